"""Committed compiles are current, and every story compiles with inkjs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from narrative_helpers import STORIES_DIR

from yabot.narrative.compiler import (
    compile_ink,
    compiled_json_path,
    ink_sources,
    stale_reasons,
)

SOURCES = ink_sources(STORIES_DIR)


def test_there_are_stories() -> None:
    assert any(p.stem == "diana" for p in SOURCES)


@pytest.mark.parametrize("ink", SOURCES, ids=lambda p: p.stem)
def test_committed_compile_is_current(ink: Path) -> None:
    assert stale_reasons(ink) == []


def test_an_edited_source_is_reported_stale(tmp_path: Path) -> None:
    story_dir = tmp_path / "diana"
    shutil.copytree(STORIES_DIR / "diana", story_dir)
    ink = story_dir / "diana.ink"
    assert stale_reasons(ink) == []
    ink.write_text(ink.read_text(encoding="utf-8") + "\n// an edit\n", encoding="utf-8")
    assert any("changed since it was compiled" in r for r in stale_reasons(ink))
    compiled_json_path(ink).unlink()
    assert any("missing" in r for r in stale_reasons(ink))


@pytest.mark.parametrize("ink", SOURCES, ids=lambda p: p.stem)
def test_story_compiles_with_inkjs_to_the_committed_json(
    ink: Path, tmp_path: Path, inkjs: Callable[[str, Path], str]
) -> None:
    text = compile_ink(ink, tmp_path / "out.json")
    assert text == compiled_json_path(ink).read_text(encoding="utf-8")


def test_a_broken_story_fails_to_compile(tmp_path: Path, inkjs: Callable[[str, Path], str]) -> None:
    from yabot.narrative.compiler import CompileError

    bad = tmp_path / "bad.ink"
    bad.write_text("-> nowhere\n", encoding="utf-8")
    with pytest.raises(CompileError, match="nowhere"):
        compile_ink(bad, tmp_path / "bad.json")
