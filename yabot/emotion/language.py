"""Offline Spanish/English detection from function words, orthography and character trigrams."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Final

from yabot.emotion.lexicon import Language, distinctive_stopwords, tables
from yabot.emotion.text import TOKEN_PATTERN, clean, fold

SPANISH_MARKS: Final = "ñ¿¡áéíóú"
ENGLISH_SUFFIXES: Final = ("n't", "'s", "'m", "'re", "'ll", "'ve", "'d")
STOPWORD_WEIGHT: Final = 1.0
MARK_WEIGHT: Final = 1.5
TRIGRAM_WEIGHT: Final = 0.35
MIN_MARGIN: Final = 0.3
WORD_CACHE_SIZE: Final = 16_384


def _trigrams(word: str) -> Iterable[str]:
    padded = f" {word} "
    return (padded[i : i + 3] for i in range(len(padded) - 2))


@cache
def trigram_log_ratios() -> dict[str, float]:
    """log P(trigram | es) - log P(trigram | en), learned from our own word lists at start."""
    counts: dict[Language, Counter[str]] = {}
    for language in ("es", "en"):
        words = [*tables(language).own_words, *distinctive_stopwords()[language]]
        counts[language] = Counter(t for word in words for t in _trigrams(word))
    vocabulary = set(counts["es"]) | set(counts["en"])
    es_total = sum(counts["es"].values()) + len(vocabulary)
    en_total = sum(counts["en"].values()) + len(vocabulary)
    return {
        t: math.log((counts["es"][t] + 1) / es_total) - math.log((counts["en"][t] + 1) / en_total)
        for t in vocabulary
    }


@lru_cache(maxsize=WORD_CACHE_SIZE)
def word_evidence(word: str) -> float:
    """How Spanish (positive) or English (negative) one folded word looks."""
    stopwords = distinctive_stopwords()
    if word in stopwords["es"]:
        return STOPWORD_WEIGHT
    if word in stopwords["en"]:
        return -STOPWORD_WEIGHT
    if word.endswith(ENGLISH_SUFFIXES):
        return -MARK_WEIGHT
    ratios = trigram_log_ratios()
    evidence = sum(ratios.get(t, 0.0) for t in _trigrams(word))
    return TRIGRAM_WEIGHT * max(-2.0, min(2.0, evidence / 2.0))


def spanish_minus_english(raw: str, words: Sequence[str]) -> float:
    """Evidence for Spanish minus evidence for English.

    Args:
        raw: The cleaned, unfolded text (accents and ñ still present).
        words: The text's word tokens, lowercased with accents stripped.

    Returns:
        A positive number when the text looks Spanish, negative when it looks English.
    """
    score = sum(map(word_evidence, words))
    if not raw.isascii():
        lowered = raw.lower()
        score += MARK_WEIGHT * min(3, sum(map(lowered.count, SPANISH_MARKS)))
    return score


def decide(score: float, hint: Language | None, default: Language = "en") -> Language:
    """Turn a :func:`spanish_minus_english` score into a language, falling back on ``hint``."""
    if score >= MIN_MARGIN:
        return "es"
    if score <= -MIN_MARGIN:
        return "en"
    return hint or default


def detect_language(text: str, hint: Language | None = None) -> Language:
    """Tell Spanish from English, offline and in microseconds.

    Args:
        text: Any text; emoji-only or empty text is undecidable.
        hint: What to answer when the text does not decide (e.g. the player's language code).

    Returns:
        ``"es"`` or ``"en"``; ``hint`` (or ``"en"``) when the evidence is too thin.
    """
    raw = clean(text)
    words = [fold(m.group()) for m in TOKEN_PATTERN.finditer(raw) if m.lastgroup == "word"]
    return decide(spanish_minus_english(raw, words), hint)
