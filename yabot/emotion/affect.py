"""Free-text affect: polarity, intensity and dominant emotion from our own es/en lexicon."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from yabot.emotion.language import decide, spanish_minus_english
from yabot.emotion.lexicon import (
    MAX_PHRASE_WORDS,
    Entry,
    Language,
    LanguageTables,
    emoji_table,
    tables,
)
from yabot.emotion.metrics import TEXT_TRUNCATED
from yabot.emotion.text import TOKEN_PATTERN, clean, collapse_elongation, fold, is_elongated
from yabot.observability.logging import get_logger

log = get_logger(__name__)

MAX_TEXT_CHARS: Final = 1000
NEGATION_SCOPE: Final = 4
NEGATION_FACTOR: Final = -0.75
BOOSTER_REACH: Final = 2
CONTRAST_BEFORE: Final = 0.5
CONTRAST_AFTER: Final = 1.5
ELONGATION_BOOST: Final = 1.3
SHOUT_BOOST: Final = 1.25
SUPERLATIVE_BOOST: Final = 1.4
EXCLAMATION_STEP: Final = 0.1
POLARITY_ALPHA: Final = 8.0
INTENSITY_HALF: Final = 4.0
SCOPE_BREAKERS: Final = frozenset(".,;:")
# "never so lovely" / "nunca tan hermoso" praise rather than deny: the negation is lifted.
NEVER_WORDS: Final = frozenset({"never", "nunca", "jamas"})
SO_WORDS: Final = frozenset({"so", "such", "tan", "tanto", "tanta"})

_SPANISH_SUPERLATIVES: Final = ("isimos", "isimas", "isimo", "isima")


@dataclass(frozen=True, slots=True)
class Affect:
    """The affect of one message.

    Attributes:
        polarity: -1 (very negative) .. 1 (very positive).
        intensity: 0 (flat) .. 1 (very intense).
        emotion: Dominant emotion ("joy", "trust", "curiosity", "surprise", "sadness", "fear",
            "anger", "disgust") or "none".
        language: "es" or "en".
        word_count: Number of words.
        is_question: The message asks something.
        emoji_count: Number of emoji and emoticons.
    """

    polarity: float
    intensity: float
    emotion: str
    language: Language
    word_count: int
    is_question: bool
    emoji_count: int

    @property
    def label(self) -> str:
        """ "positive", "negative" or "neutral" (|polarity| under 0.1)."""
        if self.polarity >= 0.1:
            return "positive"
        if self.polarity <= -0.1:
            return "negative"
        return "neutral"


def _morphology(word: str, language: Language) -> list[tuple[str, float]]:
    """Candidate lemmas for an inflected ``word`` with the boost its form implies."""
    out: list[tuple[str, float]] = []
    if language == "es":
        for suffix in _SPANISH_SUPERLATIVES:
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                stem = word[: -len(suffix)]
                out += [(stem + "o", SUPERLATIVE_BOOST), (stem + "e", SUPERLATIVE_BOOST)]
                out += [(stem, SUPERLATIVE_BOOST)]
        if word.endswith("mente") and len(word) > 7:
            stem = word[:-5]
            out += [(stem, 1.0), (stem[:-1] + "o", 1.0)]
        if word.endswith(("as", "os")):
            out += [(word[:-2] + "o", 1.0), (word[:-1], 1.0)]
        elif word.endswith("es"):
            out += [(word[:-2], 1.0), (word[:-1], 1.0)]
        elif word.endswith("s"):
            out.append((word[:-1], 1.0))
        elif word.endswith("a"):
            out.append((word[:-1] + "o", 1.0))
        for suffix, ending in (("ito", "o"), ("ita", "a"), ("itos", "o"), ("itas", "a")):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                out.append((word[: -len(suffix)] + ending, 1.0))
    else:
        if word.endswith("'s"):
            word = word[:-2]
            out.append((word, 1.0))
        if word.endswith(("ies", "ied", "ily", "ier")):
            out.append((word[:-3] + "y", 1.0))
        if word.endswith("iest"):
            out.append((word[:-4] + "y", SUPERLATIVE_BOOST))
        for suffix in ("ness", "ly", "ed", "ing", "es", "s", "d", "er"):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                stem = word[: -len(suffix)]
                out.append((stem, 1.0))
                if suffix in ("ing", "ed"):
                    out.append((stem + "e", 1.0))
    return out


def _lookup(word: str, primary: LanguageTables, language: Language) -> tuple[Entry, float] | None:
    other_language: Language = "en" if language == "es" else "es"
    other = tables(other_language)
    candidates = [(word, 1.0)]
    if is_elongated(word):
        two, one = collapse_elongation(word)
        candidates += [(two, ELONGATION_BOOST), (one, ELONGATION_BOOST)]
    for candidate, boost in candidates:
        entry = primary.words.get(candidate) or other.words.get(candidate)
        if entry is not None:
            return entry, boost
    for candidate, boost in candidates:
        for lemma, extra in _morphology(candidate, language):
            entry = primary.words.get(lemma)
            if entry is not None:
                return entry, boost * extra
    return None


def _match_phrase(words: list[str], i: int, keys: object) -> int:
    """Length of the longest phrase in ``keys`` starting at ``words[i]`` (0 when none)."""
    for length in range(min(MAX_PHRASE_WORDS, len(words) - i), 1, -1):
        if tuple(words[i : i + length]) in keys:  # type: ignore[operator]
            return length
    return 0


def analyze(text: str, hint: Language | None = None) -> Affect:
    """Score the affect of a player's message.

    Deterministic and pure apart from counting truncations. Only the first
    ``MAX_TEXT_CHARS`` characters are read.

    Args:
        text: The message, as typed.
        hint: The player's language, used when the text itself does not decide.

    Returns:
        The message's :class:`Affect`.
    """
    if len(text) > MAX_TEXT_CHARS:
        TEXT_TRUNCATED.inc()
        log.info("emotion_text_truncated", length=len(text), limit=MAX_TEXT_CHARS)
        text = text[:MAX_TEXT_CHARS]
    raw = clean(text)
    # (kind, folded value, original value)
    tokens = [(m.lastgroup or "other", m.group()) for m in TOKEN_PATTERN.finditer(raw)]
    words = [fold(value) for kind, value in tokens if kind == "word"]
    language = decide(spanish_minus_english(raw, words), hint)
    table = tables(language)
    emoji = emoji_table()
    has_lower = any(ch.islower() for ch in raw)

    total = 0.0
    magnitude = 0.0
    weights: dict[str, float] = {}
    negation = 0
    negator = ""
    booster = 1.0
    booster_left = 0
    after_contrast = 1.0
    exclamations = 0
    emoji_count = 0
    question = False
    shout = False
    word_index = 0
    skip = 0

    for kind, value in tokens:
        if kind == "word":
            i = word_index
            word_index += 1
            if skip:
                skip -= 1
                continue
            word = words[i]
            entry: Entry | None = None
            boost = 1.0
            span = _match_phrase(words, i, table.phrases)
            if span:
                entry = table.phrases[tuple(words[i : i + span])]
            elif (
                (span := _match_phrase(words, i, table.negator_phrases))
                or word in table.negators
                or word.endswith("n't")
            ):
                negation = NEGATION_SCOPE + max(span - 1, 0)
                negator = word
                skip = max(span - 1, 0)
                continue
            elif (span := _match_phrase(words, i, table.booster_phrases)) or word in table.boosters:
                if negation > 0 and negator in NEVER_WORDS and word in SO_WORDS:
                    negation = 0
                key = tuple(words[i : i + span]) if span else None
                booster *= table.booster_phrases[key] if key else table.boosters[word]
                booster_left = BOOSTER_REACH + 1
                skip = max(span - 1, 0)
                continue
            elif (
                span := _match_phrase(words, i, table.contrast_phrases)
            ) or word in table.contrasts:
                total *= CONTRAST_BEFORE
                magnitude *= CONTRAST_BEFORE
                after_contrast = CONTRAST_AFTER
                negation = 0
                skip = max(span - 1, 0)
                continue
            else:
                found = _lookup(word, table, language)
                if found is not None:
                    entry, boost = found
            skip = max(span - 1, 0)
            if entry is not None:
                if has_lower and len(value) >= 3 and value.isupper():
                    boost *= SHOUT_BOOST
                    shout = True
                score = entry.valence * boost * booster * after_contrast
                if negation > 0:
                    score *= NEGATION_FACTOR
                    negation = 0
                elif entry.emotion != "none" and booster > 0:
                    weights[entry.emotion] = weights.get(entry.emotion, 0.0) + max(abs(score), 0.5)
                total += score
                magnitude += abs(score)
                booster, booster_left = 1.0, 0
            if negation > 0:
                negation -= 1
            if booster_left > 0:
                booster_left -= 1
                if booster_left == 0:
                    booster = 1.0
        elif kind == "punct":
            exclamations += value.count("!") + value.count("¡")
            question = question or "?" in value or "¿" in value
            if any(ch in SCOPE_BREAKERS for ch in value):
                negation = 0
        else:
            entry = emoji.get(value.lower())
            if entry is not None:
                emoji_count += 1
                total += entry.valence
                magnitude += abs(entry.valence)
                if entry.emotion != "none":
                    weights[entry.emotion] = weights.get(entry.emotion, 0.0) + max(
                        abs(entry.valence), 0.5
                    )

    if total:
        total *= 1.0 + EXCLAMATION_STEP * min(exclamations, 3)
    polarity = total / math.sqrt(total * total + POLARITY_ALPHA)
    intensity = magnitude / (magnitude + INTENSITY_HALF)
    intensity += 0.06 * min(exclamations, 3) + 0.04 * min(emoji_count, 3) + (0.1 if shout else 0.0)
    if weights:
        emotion = max(weights.items(), key=lambda item: item[1])[0]
    else:
        emotion = "curiosity" if question else "none"
    return Affect(
        polarity=max(-1.0, min(1.0, polarity)),
        intensity=max(0.0, min(1.0, intensity)),
        emotion=emotion,
        language=language,
        word_count=len(words),
        is_question=question,
        emoji_count=emoji_count,
    )
