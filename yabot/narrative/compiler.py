"""Compile ``stories/<id>/<id>.ink`` with npm inkjs, run the story check, tell stale compiles.

Each ``<id>/<id>.ink`` (and the files it ``INCLUDE``s) compiles to ``<id>/compiled/<id>.json``
(UTF-8, no BOM) with ``<id>/compiled/<id>.meta.json`` recording the sources' sha256 and the
compiler. inkjs warnings and author notes (``TODO:``) are errors. After compiling, the story
check (:mod:`yabot.narrative.check`) plays every story with simulated players and writes its
report into ``stories/README.md``; any finding fails the run.
Run it as ``scripts/compile-stories`` (``--check`` only reports stale compiles).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from yabot.narrative.inkscan import included_files
from yabot.narrative.library import COMPILED_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
INKJS_VERSION = "2.4.0"
COMPILER_JS = Path("node_modules/inkjs/bin/inkjs-compiler.js")


class CompileError(Exception):
    """inkjs refused a story (the message holds its output) or could not run."""


def source_sha256(ink_path: Path) -> str:
    """The sha256 of an ink source's bytes, followed by those of every file it INCLUDEs."""
    digest = hashlib.sha256(ink_path.read_bytes())
    for path in included_files(ink_path)[1:]:
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def compiled_json_path(ink_path: Path) -> Path:
    """Where the compiled JSON of ``ink_path`` is committed."""
    return ink_path.parent / COMPILED_DIR / f"{ink_path.stem}.json"


def meta_path(ink_path: Path) -> Path:
    """Where the source hash of ``ink_path``'s compile is recorded."""
    return ink_path.parent / COMPILED_DIR / f"{ink_path.stem}.meta.json"


def ink_sources(stories_dir: Path) -> list[Path]:
    """Every ``.ink`` story under ``stories_dir``, sorted (files another one INCLUDEs are parts)."""
    files = [p for p in stories_dir.rglob("*.ink") if COMPILED_DIR not in p.parts]
    parts = {inc for p in files for inc in included_files(p)[1:]}
    return sorted(p for p in files if p.resolve() not in parts)


def stale_reasons(ink_path: Path) -> list[str]:
    """Why the committed compile of ``ink_path`` is stale; empty when it is current."""
    json_path, meta = compiled_json_path(ink_path), meta_path(ink_path)
    if not json_path.exists():
        return [f"{json_path} is missing"]
    try:
        recorded = json.loads(meta.read_text(encoding="utf-8"))["source_sha256"]
    except (OSError, ValueError, KeyError) as exc:
        return [f"{meta} is missing or unreadable ({exc})"]
    if recorded != source_sha256(ink_path):
        return [f"{ink_path} changed since it was compiled; run scripts/compile-stories"]
    return []


def compile_ink(ink_path: Path, out_path: Path, repo_root: Path = REPO_ROOT) -> str:
    """Compile ``ink_path`` to ``out_path`` with inkjs and return the JSON text (no BOM).

    Raises:
        CompileError: node or inkjs is missing, or the story does not compile.
    """
    compiler = repo_root / COMPILER_JS
    node = shutil.which("node")
    if node is None or not compiler.exists():
        raise CompileError(f"need node and {compiler} (run: npm ci)")
    with tempfile.TemporaryDirectory() as tmp:
        raw_out = Path(tmp) / "out.json"
        result = subprocess.run(
            [node, str(compiler), "-o", str(raw_out), str(ink_path.resolve())],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0 or not raw_out.exists():
            raise CompileError(f"{ink_path}: {(result.stdout + result.stderr).strip()}")
        if result.stderr.strip():  # warnings and author notes (TODO:) are errors too
            raise CompileError(f"{ink_path}: {result.stderr.strip()}")
        text = raw_out.read_text(encoding="utf-8-sig")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    return text


def compile_story(ink_path: Path, repo_root: Path = REPO_ROOT) -> Path:
    """Compile one story next to its source and record the source hash."""
    out = compiled_json_path(ink_path)
    compile_ink(ink_path, out, repo_root)
    meta = {
        "source": ink_path.name,
        "includes": [p.name for p in included_files(ink_path)[1:]],
        "source_sha256": source_sha256(ink_path),
        "compiler": f"inkjs {INKJS_VERSION}",
    }
    meta_path(ink_path).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """Compile and check every story (or with ``--check``, list stale compiles); returns the
    exit code."""
    from yabot.narrative.check import DEFAULT_PERSONAS, run_checks

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories-dir", type=Path, default=REPO_ROOT / "stories")
    parser.add_argument("--check", action="store_true", help="only report stale compiles")
    parser.add_argument("--no-story-check", action="store_true", help="compile only")
    parser.add_argument("--personas", type=int, default=DEFAULT_PERSONAS)
    args = parser.parse_args(argv)
    failures = 0
    compiled = []
    for ink in ink_sources(args.stories_dir):
        if args.check:
            for reason in stale_reasons(ink):
                print(f"stale: {reason}", file=sys.stderr)
                failures += 1
            continue
        try:
            print(f"compiled {ink} -> {compile_story(ink)}")
            compiled.append(ink)
        except CompileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failures += 1
    if compiled and not args.no_story_check:
        failures += run_checks(compiled, args.stories_dir / "README.md", args.personas)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
