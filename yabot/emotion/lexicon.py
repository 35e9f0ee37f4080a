"""The affect lexicon, modifiers and emoji tables, loaded once from ``yabot/emotion/data``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from yabot.emotion.text import clean, fold

Language = Literal["es", "en"]
LANGUAGES: Final[tuple[Language, Language]] = ("es", "en")
EMOTIONS: Final = (
    "joy", "trust", "curiosity", "surprise", "sadness", "fear", "anger", "disgust", "none"
)  # fmt: skip
MAX_PHRASE_WORDS: Final = 4


class LexiconError(ValueError):
    """A lexicon data file is malformed (duplicate key, bad valence, unknown emotion)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: its valence (-3..3) and primary emotion."""

    valence: float
    emotion: str


@dataclass(frozen=True, slots=True)
class Modifier:
    """A word that changes the words after it: a negator, a booster or a contrast."""

    kind: Literal["negator", "booster", "contrast"]
    factor: float = 1.0


@dataclass(frozen=True, slots=True)
class LanguageTables:
    """Everything the scorer needs for one language.

    Attributes:
        words: Single-word lexicon entries.
        modifiers: Single-word negators, boosters and contrasts.
        phrases: Multi-word entries and modifiers, keyed by their words.
        phrase_heads: First words of ``phrases`` (to skip phrase matching for most words).
        stopwords: Function words distinctive of the language.
    """

    words: dict[str, Entry]
    modifiers: dict[str, Modifier]
    phrases: dict[tuple[str, ...], Entry | Modifier]
    phrase_heads: frozenset[str]
    stopwords: frozenset[str]


def _read(name: str) -> dict[str, Any]:
    text = (
        resources.files("yabot.emotion").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    data.pop("_about", None)
    return data


def _key(raw: str) -> tuple[str, ...]:
    return tuple(fold(part) for part in raw.split())


def _load_lexicon(language: Language) -> tuple[dict[str, Entry], dict[tuple[str, ...], Entry]]:
    words: dict[str, Entry] = {}
    phrases: dict[tuple[str, ...], Entry] = {}
    for emotion, entries in _read(f"lexicon_{language}.json").items():
        if emotion not in EMOTIONS:
            raise LexiconError(f"lexicon_{language}.json: unknown emotion group {emotion!r}")
        for raw, valence in entries.items():
            key = _key(raw)
            if not isinstance(valence, int | float) or not -3 <= valence <= 3:
                raise LexiconError(
                    f"lexicon_{language}.json: {raw!r} valence {valence!r} not in -3..3"
                )
            if not 1 <= len(key) <= MAX_PHRASE_WORDS:
                raise LexiconError(f"lexicon_{language}.json: {raw!r} must have 1-4 words")
            if key in phrases or (len(key) == 1 and key[0] in words):
                raise LexiconError(f"lexicon_{language}.json: {raw!r} is listed twice")
            if len(key) == 1:
                words[key[0]] = Entry(float(valence), emotion)
            else:
                phrases[key] = Entry(float(valence), emotion)
    return words, phrases


@cache
def tables(language: Language) -> LanguageTables:
    """Return the (cached, immutable) tables of ``language``.

    Raises:
        LexiconError: When a data file is malformed.
    """
    words, lexicon_phrases = _load_lexicon(language)
    data = _read("modifiers.json")[language]
    modifiers: dict[str, Modifier] = {}
    phrases: dict[tuple[str, ...], Entry | Modifier] = dict(lexicon_phrases)
    found: list[tuple[str, Modifier]] = [(raw, Modifier("negator")) for raw in data["negators"]]
    found += [(raw, Modifier("contrast")) for raw in data["contrasts"]]
    found += [(raw, Modifier("booster", float(f))) for raw, f in data["boosters"].items()]
    for raw, modifier in found:
        key = _key(raw)
        if len(key) == 1:
            modifiers[key[0]] = modifier
        else:
            phrases[key] = modifier
    return LanguageTables(
        words=words,
        modifiers=modifiers,
        phrases=phrases,
        phrase_heads=frozenset(key[0] for key in phrases),
        stopwords=distinctive_stopwords()[language],
    )


@cache
def distinctive_stopwords() -> dict[Language, frozenset[str]]:
    """Function words of each language, minus those the two languages share."""
    data = _read("stopwords.json")
    es = frozenset(fold(w) for w in data["es"])
    en = frozenset(fold(w) for w in data["en"])
    return {"es": es - en, "en": en - es}


@cache
def emoji_table() -> dict[str, Entry]:
    """Emoji (presentation marks stripped) and lowercased emoticons mapped to entries."""
    table: dict[str, Entry] = {}
    for raw, (valence, emotion) in _read("emoji.json").items():
        if emotion not in EMOTIONS:
            raise LexiconError(f"emoji.json: {raw!r} has unknown emotion {emotion!r}")
        table[clean(raw).lower()] = Entry(float(valence), emotion)
    return table
