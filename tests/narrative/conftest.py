"""Fixtures of the narrative tests: the real sample story, an engine, and an inkjs compiler."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from narrative_helpers import STORIES_DIR

from yabot.narrative import NarrativeEngine, StoryLibrary
from yabot.narrative.compiler import COMPILER_JS, REPO_ROOT, CompileError, compile_ink


@pytest.fixture
def library() -> StoryLibrary:
    lib = StoryLibrary(STORIES_DIR)
    lib.load_all()
    return lib


@pytest.fixture
def engine(library: StoryLibrary) -> NarrativeEngine:
    return NarrativeEngine(library, max_message_chars=4000)


@pytest.fixture
def inkjs() -> Iterator[Callable[[str, Path], str]]:
    """Compile ink source text with npm inkjs; skips when node or inkjs is absent."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: cannot compile ink (install node 20 and run npm ci)")
    if not (REPO_ROOT / COMPILER_JS).exists():
        pytest.skip("inkjs is missing: run `npm ci` at the repository root (scripts/test does)")

    def compile_text(source: str, workdir: Path) -> str:
        ink = workdir / "story.ink"
        ink.write_text(source, encoding="utf-8")
        try:
            return compile_ink(ink, workdir / "story.json")
        except CompileError as exc:
            pytest.fail(str(exc))

    yield compile_text
