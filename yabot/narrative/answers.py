"""What a typed answer means to the story: the ``answer_*`` and ``<id>_*`` ink variables.

The story asks a question (``#ask:<id>``); before it goes on, the engine writes how the player
answered, so the character who asked can react in ink (see stories/README.md):

- ``answer_polarity``: ``positive`` | ``negative`` | ``neutral`` | ``mixed`` (clauses disagree)
- ``answer_emotion``: ``joy`` | ``sadness`` | ``anger`` | ``fear`` | ``surprise`` | ``affection``
  | ``none``
- ``answer_intensity``: ``low`` | ``medium`` | ``high``
- ``answer_kind``: ``normal`` | ``question`` (asked something back) | ``short`` (1-2 words) |
  ``offtopic`` (no real words: digits only, no letters, keyboard mash)

and, when the story declares them, ``<id>_polarity``, ``<id>_emotion``, ``<id>_kind`` and
``<id>_quote`` (the player's own words, at most 60 characters, cut at a word boundary) for recall
later. The reading uses :func:`yabot.emotion.analyze`; nothing here logs the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from yabot.emotion import analyze

QUOTE_MAX_CHARS: Final = 60
POLARITY_EDGE: Final = 0.1
KINDS: Final = ("normal", "question", "short", "offtopic")
POLARITIES: Final = ("positive", "negative", "neutral", "mixed")
EMOTIONS: Final = ("joy", "sadness", "anger", "fear", "surprise", "affection", "none")
INTENSITIES: Final = ("low", "medium", "high")
_EMOTION_OF: Final = {
    "joy": "joy",
    "trust": "affection",
    "sadness": "sadness",
    "anger": "anger",
    "disgust": "anger",
    "fear": "fear",
    "surprise": "surprise",
}
_WORD: Final = re.compile(r"[^\W\d_]+", re.UNICODE)
_CLAUSE: Final = re.compile(
    r"[.;!?¡¿\n]+|,?\s+\b(?:but|yet|though|although|however|pero|aunque|sino|sin embargo|"
    r"aun así|aun asi)\b",
    re.IGNORECASE,
)
_VOWELS: Final = frozenset("aeiouyáéíóúüàèìòùâêîôûäëïö")
_CONSONANT_RUN: Final = re.compile(r"[bcdfghjklmnpqrstvwxzñç]{5,}")
_REPEAT: Final = re.compile(r"(.)\1{2,}")
_INTERJECTIONS: Final = frozenset(
    {
        "hmm",
        "hm",
        "mmm",
        "mm",
        "shh",
        "sh",
        "psst",
        "pff",
        "pfff",
        "brr",
        "grr",
        "zzz",
        "tsk",
        "ok",
        "okk",
        "xd",
        "tv",
        "cd",
        "dvd",
        "sms",
        "bff",
    }
)


@dataclass(frozen=True, slots=True)
class AnswerReading:
    """How an answer reads; ``variables(id)`` gives the ink variables for question ``id``."""

    polarity: str
    emotion: str
    intensity: str
    kind: str
    quote: str

    def variables(self, question: str) -> dict[str, str]:
        """The ``answer_*`` variables and the ``<question>_*`` ones (the story keeps those it
        declares)."""
        values = {
            "answer_polarity": self.polarity,
            "answer_emotion": self.emotion,
            "answer_intensity": self.intensity,
            "answer_kind": self.kind,
        }
        values.update(
            {
                f"{question}_polarity": self.polarity,
                f"{question}_emotion": self.emotion,
                f"{question}_kind": self.kind,
                f"{question}_quote": self.quote,
            }
        )
        return values


def read_answer(text: str, language: str | None = None) -> AnswerReading:
    """Read a typed answer: polarity, emotion, intensity, kind and a short quote."""
    hint = language if language in ("en", "es") else None
    clean = _printable(text)
    words = _WORD.findall(clean)
    affect = analyze(clean, hint=hint)  # type: ignore[arg-type]
    kind = _kind(clean, words, affect.is_question, affect.emoji_count)
    if kind == "offtopic":
        return AnswerReading("neutral", "none", "low", kind, quote(clean))
    polarity = _polarity(clean, affect.polarity, hint)
    emotion = _EMOTION_OF.get(affect.emotion, "none")
    level = affect.intensity
    intensity = "high" if level >= 0.6 else "medium" if level >= 0.3 else "low"
    return AnswerReading(polarity, emotion, intensity, kind, quote(clean))


def quote(text: str, limit: int = QUOTE_MAX_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters, cut at a word boundary (with "…")."""
    flat = " ".join(_printable(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-—") + "…"


def _printable(text: str) -> str:
    return "".join(
        ch if unicodedata.category(ch)[0] != "C" or ch == "\n" else " " for ch in text
    ).strip()


def _kind(text: str, words: list[str], is_question: bool, emoji: int) -> str:
    if not words:
        return "short" if emoji else "offtopic"  # emoji alone still say how one feels
    if _is_mash(words):
        return "offtopic"
    if is_question or "?" in text or "¿" in text:
        return "question"
    if len(words) <= 2:
        return "short"
    return "normal"


def _is_mash(words: list[str]) -> bool:
    """Most words look like a keyboard mash rather than language."""
    odd = sum(1 for word in words if _odd(word.lower()))
    return odd * 2 > len(words)


def _odd(word: str) -> bool:
    word = _REPEAT.sub(r"\1\1", word)  # "holaaaa" is elongated speech, not a mash
    if word in _INTERJECTIONS or len(word) == 1:
        return False
    vowels = sum(1 for ch in word if ch in _VOWELS)
    if vowels == 0:
        return True
    if _CONSONANT_RUN.search(word):
        return True
    return len(word) >= 5 and vowels / len(word) < 0.2


def _polarity(text: str, overall: float, hint: str | None) -> str:
    clauses = [c for c in _CLAUSE.split(text) if c and _WORD.search(c)]
    if len(clauses) >= 2:
        signs = {_sign(analyze(c, hint=hint).polarity) for c in clauses}  # type: ignore[arg-type]
        if "positive" in signs and "negative" in signs:
            return "mixed"
    return _sign(overall)


def _sign(polarity: float) -> str:
    if polarity >= POLARITY_EDGE:
        return "positive"
    if polarity <= -POLARITY_EDGE:
        return "negative"
    return "neutral"
