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
class LanguageTables:
    """Everything the scorer needs for one language; phrases are keyed by their words."""

    words: dict[str, Entry]
    phrases: dict[tuple[str, ...], Entry]
    negators: frozenset[str]
    negator_phrases: frozenset[tuple[str, ...]]
    boosters: dict[str, float]
    booster_phrases: dict[tuple[str, ...], float]
    contrasts: frozenset[str]
    contrast_phrases: frozenset[tuple[str, ...]]
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


def _split(keys: list[str]) -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    folded = [_key(k) for k in keys]
    return (
        frozenset(k[0] for k in folded if len(k) == 1),
        frozenset(k for k in folded if len(k) > 1),
    )


@cache
def tables(language: Language) -> LanguageTables:
    """Return the (cached, immutable) tables of ``language``.

    Raises:
        LexiconError: When a data file is malformed.
    """
    words, phrases = _load_lexicon(language)
    modifiers = _read("modifiers.json")[language]
    negators, negator_phrases = _split(modifiers["negators"])
    contrasts, contrast_phrases = _split(modifiers["contrasts"])
    boosters: dict[str, float] = {}
    booster_phrases: dict[tuple[str, ...], float] = {}
    for raw, factor in modifiers["boosters"].items():
        key = _key(raw)
        if len(key) == 1:
            boosters[key[0]] = float(factor)
        else:
            booster_phrases[key] = float(factor)
    return LanguageTables(
        words=words,
        phrases=phrases,
        negators=negators,
        negator_phrases=negator_phrases,
        boosters=boosters,
        booster_phrases=booster_phrases,
        contrasts=contrasts,
        contrast_phrases=contrast_phrases,
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
