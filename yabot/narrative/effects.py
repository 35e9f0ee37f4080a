"""Ink tags and external-function calls turned into effects the player's actor applies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from yabot.narrative.metrics import BAD_TAGS
from yabot.observability.logging import get_logger

log = get_logger(__name__)

_EMO = re.compile(r"^([a-z_]+)\s*([+-])\s*(\d{1,3})$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_GATE = re.compile(r"^(vip|resonance)(?::(0(?:\.\d{1,4})?|1(?:\.0{1,4})?))?$")


@dataclass(frozen=True)
class Effect:
    """One effect of a story turn.

    Attributes:
        kind: ``"emo"`` (name = trait, amount = signed weight), ``"reward"`` (name
            ``"besitos"``, amount), ``"unlock"`` (name = item, amount 1), ``"chapter"``
            (amount = chapter number), ``"scene"`` (name = scene id), ``"ask"`` (name = question
            id), ``"ending"`` (name = ending id) or ``"gate"`` (name = ``"vip"`` or
            ``"resonance:<threshold>"``, e.g. ``"resonance:0.45"``).
        name: See ``kind``.
        amount: See ``kind``; 0 when meaningless.
    """

    kind: str
    name: str = ""
    amount: int = 0


def parse_tag(tag: str) -> Effect | None:
    """Parse one ink tag; None for tags that carry no effect (or are malformed, counted)."""
    key, sep, value = tag.strip().partition(":")
    if not sep:
        return None
    key, value = key.strip().lower(), value.strip()
    if key == "emo":
        match = _EMO.match(value)
        if match is None:
            _bad(key, tag)
            return None
        amount = int(match.group(3))
        return Effect("emo", match.group(1), -amount if match.group(2) == "-" else amount)
    if key == "chapter":
        if not value.isdigit():
            _bad(key, tag)
            return None
        return Effect("chapter", "", int(value))
    if key == "gate":
        if _GATE.match(value) is None:
            _bad(key, tag)
            return None
        return Effect(key, value, 0)
    if key in ("scene", "ask", "ending"):
        if _NAME.match(value) is None:
            _bad(key, tag)
            return None
        return Effect(key, value, 0)
    return None


def gate_threshold(gate: str) -> float | None:
    """The resonance a ``resonance:<t>`` gate needs (None for other gates or no threshold)."""
    kind, _, value = gate.partition(":")
    if kind != "resonance" or not value:
        return None
    return float(value)


def parse_tags(tags: list[str] | tuple[str, ...]) -> list[Effect]:
    """Parse every tag of a line or choice, keeping their order."""
    return [effect for effect in map(parse_tag, tags) if effect is not None]


def _bad(kind: str, tag: str) -> None:
    BAD_TAGS.labels(kind).inc()
    log.warning("narrative.bad_tag", kind=kind, tag=tag[:80])
