"""The signals that feed a signature: authored choice tags, text affect and response times."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

from yabot.emotion.affect import Affect
from yabot.emotion.metrics import SIGNALS_REJECTED
from yabot.observability.logging import get_logger

log = get_logger(__name__)

ARCHETYPES: Final = ("explorer", "direct", "poet", "empath", "persistent")
MAX_TAG_AMOUNT: Final = 10
_EMO_TAG: Final = re.compile(
    r"^#?\s*emo:\s*(?P<trait>[a-z]+)\s*(?P<sign>[+-])\s*(?P<amount>\d+(?:\.\d+)?)$"
)


class InvalidSignal(ValueError):
    """A signal that cannot be used (malformed tag, unknown trait, impossible time)."""


def reject(reason: str, message: str) -> InvalidSignal:
    """Count and log a rejected signal and return the error to raise."""
    SIGNALS_REJECTED.labels(reason=reason).inc()
    log.warning("emotion_signal_rejected", reason=reason, detail=message)
    return InvalidSignal(message)


@dataclass(frozen=True, slots=True)
class ChoiceTag:
    """An authored ``#emo:<trait>+<n>`` tag on the choice the player took."""

    trait: str
    amount: float


@dataclass(frozen=True, slots=True)
class ResponseTime:
    """Seconds between the bot's question (or choices) and the player's answer."""

    seconds: float


Signal = ChoiceTag | Affect | ResponseTime


def is_emo_tag(tag: str) -> bool:
    """True for tags in the ``emo:`` namespace (which :func:`parse_emo_tag` must accept)."""
    return tag.strip().lstrip("#").strip().startswith("emo:")


def parse_emo_tag(tag: str) -> ChoiceTag:
    """Parse an ink tag such as ``#emo:poet+2`` or ``emo:direct-1``.

    Raises:
        InvalidSignal: The tag is malformed, names an unknown trait or an amount outside 0..10.
    """
    match = _EMO_TAG.match(tag.strip().lower())
    if match is None:
        raise reject("malformed_tag", f"emotion tag {tag!r} is not of the form #emo:<trait>+<n>")
    trait = match["trait"]
    if trait not in ARCHETYPES:
        raise reject(
            "unknown_trait", f"emotion tag {tag!r}: trait must be one of {', '.join(ARCHETYPES)}"
        )
    amount = float(match["amount"])
    if amount > MAX_TAG_AMOUNT:
        raise reject("tag_amount", f"emotion tag {tag!r}: amount must be at most {MAX_TAG_AMOUNT}")
    return ChoiceTag(trait, -amount if match["sign"] == "-" else amount)


def response_time(seconds: float) -> ResponseTime:
    """Validate a response time.

    Raises:
        InvalidSignal: ``seconds`` is negative, infinite or NaN.
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise reject("response_time", f"response time {seconds!r} must be a finite number >= 0")
    return ResponseTime(float(seconds))
