"""What the story check reads from ink sources and compiled JSON without running the story.

- :func:`read_sources`: the main ``.ink`` file and every file it ``INCLUDE``s, in order.
- :func:`t_calls`: every ``t("English", "Español")`` call (both sides, with file and line).
- :func:`choice_points`: every choice point of the compiled story, by the path of its target
  (what ``Story.get_current_path()`` starts with right after the choice is taken).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_INCLUDE = re.compile(r"^\s*INCLUDE\s+(\S.*?)\s*$")
_KNOT = re.compile(r"^\s*={2,}\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_]*)")
_CHOICE_LINE = re.compile(r"^\s*(?:[*+]\s*)+")
INVISIBLE_DEFAULT = 0x8


@dataclass(frozen=True)
class SourceLine:
    """One line of ink source."""

    file: str
    number: int
    text: str
    knot: str


def read_sources(main: Path) -> list[SourceLine]:
    """Every line of ``main`` and its ``INCLUDE``d files (recursively, each once), in order."""
    seen: set[Path] = set()
    out: list[SourceLine] = []

    def visit(path: Path) -> None:
        path = path.resolve()
        if path in seen or not path.exists():
            return
        seen.add(path)
        knot = ""
        for number, text in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            include = _INCLUDE.match(text)
            if include:
                visit(main.parent / include.group(1))
                continue
            knot_match = _KNOT.match(text)
            if knot_match:
                knot = knot_match.group(1)
            out.append(SourceLine(path.name, number, text, knot))

    visit(main)
    return out


def included_files(main: Path) -> list[Path]:
    """``main`` and every file it includes (recursively), each once, in order."""
    seen: list[Path] = []

    def visit(path: Path) -> None:
        path = path.resolve()
        if path in seen or not path.exists():
            return
        seen.append(path)
        for text in path.read_text(encoding="utf-8-sig").splitlines():
            include = _INCLUDE.match(text)
            if include:
                visit(main.parent / include.group(1))

    visit(main)
    return seen


@dataclass(frozen=True)
class TCall:
    """One ``t(en, es)`` call in the source."""

    line: SourceLine
    en: str
    es: str


def _string_at(text: str, i: int) -> tuple[str, int] | None:
    """The ink string literal starting at ``text[i] == '"'`` and the index after it."""
    if i >= len(text) or text[i] != '"':
        return None
    j, out = i + 1, []
    while j < len(text):
        ch = text[j]
        if ch == "\\" and j + 1 < len(text):
            out.append(text[j + 1])
            j += 2
            continue
        if ch == '"':
            return "".join(out), j + 1
        out.append(ch)
        j += 1
    return None


def t_calls(lines: list[SourceLine]) -> Iterator[TCall]:
    """Every ``t("…", "…")`` call whose two arguments are plain string literals."""
    for line in lines:
        text = line.text
        if line.text.lstrip().startswith("//"):
            continue
        for match in re.finditer(r"(?<![A-Za-z0-9_])t\(\s*", text):
            first = _string_at(text, match.end())
            if first is None:
                continue
            en, k = first
            comma = re.match(r"\s*,\s*", text[k:])
            if comma is None:
                continue
            second = _string_at(text, k + comma.end())
            if second is None:
                continue
            yield TCall(line, en, second[0])


def choice_source(lines: list[SourceLine], knot: str, index: int) -> str:
    """The ``index``-th choice line of ``knot`` in the source (best effort, for messages)."""
    choices = [ln for ln in lines if ln.knot == knot and _CHOICE_LINE.match(ln.text)]
    if 0 <= index < len(choices):
        line = choices[index]
        return f"{line.file}:{line.number}: {line.text.strip()[:120]}"
    return f"knot {knot}"


@dataclass(frozen=True)
class ChoicePoint:
    """A choice point of the compiled story."""

    target: str  # absolute path of the content the choice leads into
    knot: str
    index: int  # N of the target's ``c-N``
    once: bool


def choice_points(compiled: dict[str, Any]) -> list[ChoicePoint]:
    """Every visible choice point (invisible default choices excluded) of compiled ink JSON."""
    found: list[ChoicePoint] = []

    def walk(container: list[Any], path: list[str]) -> None:
        named = container[-1] if container and isinstance(container[-1], dict) else None
        items = container[:-1] if named is not None else container
        for i, item in enumerate(items):
            if isinstance(item, list):
                name = _name_of(item)
                walk(item, [*path, name if name is not None else str(i)])
            elif isinstance(item, dict) and "*" in item:
                flags = int(item.get("flg", 0))
                if flags & INVISIBLE_DEFAULT:
                    continue
                target = _resolve(path, str(item["*"]))
                last = target.rsplit(".", 1)[-1]
                index = int(last[2:]) if last.startswith("c-") and last[2:].isdigit() else -1
                found.append(ChoicePoint(target, path[0] if path else "", index, bool(flags & 16)))
        if named is not None:
            for key, value in named.items():
                if key.startswith("#") or not isinstance(value, list):
                    continue
                walk(value, [*path, key])

    root = compiled["root"]
    walk(root, [])
    return found


def _name_of(container: list[Any]) -> str | None:
    if container and isinstance(container[-1], dict):
        name = container[-1].get("#n")
        return str(name) if name is not None else None
    return None


def _resolve(base: list[str], target: str) -> str:
    if not target.startswith("."):
        return target
    parts = list(base)
    components = target[1:].split(".")
    if components and components[0] == "^":
        components = components[1:]  # from a non-container object, "^" is its own container
    for part in components:
        if part == "^":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return ".".join(parts)
