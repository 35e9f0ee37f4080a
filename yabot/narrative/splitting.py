"""Split long passages into Telegram-sized messages at natural boundaries."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…»\"”])\s+")


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: most emoji count 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` Telegram characters.

    Cuts prefer paragraph breaks, then line breaks, then sentence ends, then spaces; a single
    word longer than ``limit`` is cut hard. Chunks are stripped; empty input gives ``[]``.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if not text:
        return []
    return [chunk for chunk in _split(text, limit, 0) if chunk]


_SEPARATORS: tuple[tuple[str | re.Pattern[str], str], ...] = (
    ("\n\n", "\n\n"),
    ("\n", "\n"),
    (_SENTENCE_END, " "),
    (" ", " "),
)


def _split(text: str, limit: int, level: int) -> list[str]:
    if telegram_length(text) <= limit:
        return [text.strip()]
    if level == len(_SEPARATORS):
        return _hard_cut(text, limit)
    pattern, joiner = _SEPARATORS[level]
    pieces = pattern.split(text) if isinstance(pattern, re.Pattern) else text.split(pattern)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{joiner}{piece}" if current else piece
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current.strip())
        if telegram_length(piece) <= limit:
            current = piece
        else:
            chunks.extend(_split(piece, limit, level + 1))
            current = ""
    if current:
        chunks.append(current.strip())
    return chunks


def _hard_cut(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for char in text:
        if telegram_length(current + char) > limit:
            chunks.append(current)
            current = ""
        current += char
    if current:
        chunks.append(current)
    return chunks
