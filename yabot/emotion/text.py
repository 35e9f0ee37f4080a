"""Text normalization and tokenization shared by the lexicon and the language detector."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_ACCENTS: Final = str.maketrans(
    "áàâäéèêëíìîïóòôöúùûüÁÀÂÄÉÈÊËÍÌÎÏÓÒÔÖÚÙÛÜ’‘`´",
    "aaaaeeeeiiiioooouuuuAAAAEEEEIIIIOOOOUUUU''''",
)
# Variation selectors, joiners and skin tones change how an emoji looks, not what it means.
_EMOJI_NOISE: Final = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
_ELONGATION: Final = re.compile(r"(.)\1{2,}")

TOKEN_PATTERN: Final = re.compile(
    r"""
    (?P<emoticon>
        (?<![\w:/])(?:>:\(|:'\(|:'\)|</3|<3|\^_?\^|[tT]_[tT]|;_;|[xX][dD]+(?!\w)|[dD]:(?!\w)
        |[:;=][-o]?[)(\][dDpPoO/|@](?![\w/]))
    )
    |(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*)
    |(?P<punct>[!?¡¿.,;:]+)
    |(?P<other>\S)
    """,
    re.VERBOSE,
)


def fold(word: str) -> str:
    """Lowercase ``word`` and strip accents (keeping ``ñ``), so "Tristé" and "triste" match."""
    lowered = word.lower()
    return lowered if lowered.isascii() else lowered.translate(_ACCENTS)


def clean(text: str) -> str:
    """Drop emoji presentation marks and unify apostrophes, keeping everything else."""
    if text.isascii():
        return text
    return _EMOJI_NOISE.sub("", unicodedata.normalize("NFC", text)).replace("’", "'")


def collapse_elongation(word: str) -> tuple[str, str]:
    """Return ``word`` with letter runs of 3+ shortened to two and to one ("geniaaal")."""
    return _ELONGATION.sub(r"\1\1", word), _ELONGATION.sub(r"\1", word)


def is_elongated(word: str) -> bool:
    """True when ``word`` repeats a letter three or more times in a row."""
    return _ELONGATION.search(word) is not None
