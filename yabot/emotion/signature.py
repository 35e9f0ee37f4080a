"""The emotional signature: pure data, updated by a pure function on every interaction."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from yabot.emotion.affect import Affect
from yabot.emotion.signals import ARCHETYPES, ChoiceTag, ResponseTime, Signal, reject

SCORES: Final = (*ARCHETYPES, "resonance", "mood")
RESONANCE: Final = len(ARCHETYPES)
MOOD: Final = RESONANCE + 1
ARCHETYPE_SCALE: Final = 8.0
RESONANCE_SCALE: Final = 4.0
CONFIDENCE_SCALE: Final = 15.0
INTERACTION_WEIGHT: Final = 0.2
# Caps keep a long-time player's signature able to change (scores top out near 0.98 / 0.95).
MAX_ARCHETYPE_EVIDENCE: Final = 4 * ARCHETYPE_SCALE
MAX_RESONANCE_EVIDENCE: Final = 3 * RESONANCE_SCALE
DAY_S: Final = 86_400.0
FORMAT_VERSION: Final = 1

_INDEX: Final = {name: i for i, name in enumerate(SCORES)}
EXPLORER, DIRECT, POET, EMPATH, PERSISTENT = range(len(ARCHETYPES))


@dataclass(frozen=True, slots=True)
class SignatureParams:
    """Tunables of the signature model (see ``[emotion]`` in config.toml)."""

    archetype_half_life_days: float = 21.0
    interaction_half_life: float = 200.0
    resonance_half_life_days: float = 30.0
    mood_half_life_hours: float = 12.0
    session_gap_minutes: float = 30.0
    dominant_min_confidence: float = 0.35
    history_size: int = 4
    response_window: int = 9
    pause_after_s: float = 3600.0


DEFAULT_PARAMS: Final = SignatureParams()


class Contribution(NamedTuple):
    """One piece of evidence behind a score: what moved it, by how much, and when."""

    kind: str
    delta: float
    at: float


KIND_CODES: Final = {"tag": "t", "text": "x", "response_time": "r", "rhythm": "h"}
KIND_NAMES: Final = {code: kind for kind, code in KIND_CODES.items()}
_HISTORY_CHARS: Final = frozenset("txrh0123456789.-@;")
_EMPTY_HISTORY: Final = ("",) * len(SCORES)


def _delta_text(delta: float) -> str:
    return f"{delta:.3f}".rstrip("0").rstrip(".")


def decode_history(row: str) -> tuple[Contribution, ...]:
    """The contributions encoded in one history row, oldest first."""
    if not row:
        return ()
    out = []
    for item in row.split(";"):
        delta, _, at = item[1:].partition("@")
        try:
            out.append(Contribution(KIND_NAMES[item[0]], float(delta), float(at)))
        except (KeyError, IndexError, ValueError):
            continue  # from_dict checks the shape; a damaged item is not worth an error here
    return tuple(out)


def _is_history_row(row: object) -> bool:
    if not isinstance(row, str) or not _HISTORY_CHARS.issuperset(row):
        return False
    return all(item[:1] in KIND_NAMES and item.count("@") == 1 for item in row.split(";"))


@dataclass(frozen=True, slots=True)
class Signature:
    """A player's emotional signature. Immutable; :func:`update` returns a new one.

    Attributes:
        evidence: Decayed evidence per archetype (same order as ``ARCHETYPES``), >= 0.
        resonance_evidence: Decayed evidence of attunement to Diana's world, >= 0.
        valence: Recent emotional tone, -1..1 (decays toward 0).
        arousal: Recent emotional intensity, 0..1 (decays toward 0).
        weight: Decayed amount of evidence seen; drives the confidence.
        interactions: Updates applied so far.
        sessions: Sessions (separated by a gap of ``session_gap_minutes``).
        streak: Consecutive days with play, including the last one.
        last_day: Day number (UTC) of the last interaction, -1 before the first.
        updated_at: The ``now`` of the last update (seconds), None before the first.
        response_times: The player's latest response times in seconds, oldest first.
        history: Recent contributions per score, in ``SCORES`` order, as compact text (one
            string per score keeps 100k resident signatures small); see :meth:`contributions`.
    """

    evidence: tuple[float, ...] = (0.0,) * len(ARCHETYPES)
    resonance_evidence: float = 0.0
    valence: float = 0.0
    arousal: float = 0.0
    weight: float = 0.0
    interactions: int = 0
    sessions: int = 0
    streak: int = 0
    last_day: int = -1
    updated_at: float | None = None
    response_times: tuple[float, ...] = ()
    history: tuple[str, ...] = _EMPTY_HISTORY

    @property
    def scores(self) -> dict[str, float]:
        """Archetype scores in 0..1."""
        return {
            name: 1.0 - math.exp(-e / ARCHETYPE_SCALE)
            for name, e in zip(ARCHETYPES, self.evidence, strict=True)
        }

    @property
    def resonance(self) -> float:
        """How attuned the player is to Diana's world, 0..1."""
        return 1.0 - math.exp(-self.resonance_evidence / RESONANCE_SCALE)

    @property
    def confidence(self) -> float:
        """How much the signature can be trusted, 0..1; grows with evidence, fades with time."""
        return 1.0 - math.exp(-self.weight / CONFIDENCE_SCALE)

    @property
    def mood(self) -> str:
        """ "warm", "neutral", "guarded" or "tense"."""
        if self.valence >= 0.2:
            return "warm"
        if self.valence <= -0.2:
            return "tense" if self.arousal >= 0.45 else "guarded"
        return "tense" if self.arousal >= 0.75 else "neutral"

    @property
    def response_median(self) -> float | None:
        """The player's median response time in seconds (None until three are known)."""
        return _median(self.response_times) if len(self.response_times) >= 3 else None

    def contributions(self, score: str) -> tuple[Contribution, ...]:
        """The recent contributions to ``score`` (an archetype, "resonance" or "mood")."""
        return decode_history(self.history[_INDEX[score]])

    def dominant(self, params: SignatureParams = DEFAULT_PARAMS) -> str:
        """The strongest archetype, or "none" while the confidence is low."""
        if self.confidence < params.dominant_min_confidence:
            return "none"
        best = max(range(len(ARCHETYPES)), key=self.evidence.__getitem__)
        return ARCHETYPES[best] if self.evidence[best] > 0.5 else "none"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; :meth:`from_dict` restores an equal signature."""
        return {
            "v": FORMAT_VERSION,
            "evidence": list(self.evidence),
            "resonance": self.resonance_evidence,
            "valence": self.valence,
            "arousal": self.arousal,
            "weight": self.weight,
            "interactions": self.interactions,
            "sessions": self.sessions,
            "streak": self.streak,
            "last_day": self.last_day,
            "updated_at": self.updated_at,
            "response_times": list(self.response_times),
            "history": {name: row for name, row in zip(SCORES, self.history, strict=True) if row},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signature:
        """Rebuild a signature saved by :meth:`to_dict`.

        Raises:
            InvalidSignal: The dict is not a saved signature (wrong version, types or ranges).
        """
        try:
            if data.get("v") != FORMAT_VERSION:
                raise ValueError(f"unsupported version {data.get('v')!r}")
            evidence = tuple(_number(x, 0.0) for x in data["evidence"])
            if len(evidence) != len(ARCHETYPES):
                raise ValueError(f"evidence must have {len(ARCHETYPES)} numbers")
            history = list(_EMPTY_HISTORY)
            for name, row in dict(data.get("history") or {}).items():
                if not _is_history_row(row):
                    raise ValueError(f"history of {name!r} is not a contribution list")
                history[_INDEX[name]] = row
            updated_at = data.get("updated_at")
            return cls(
                evidence=evidence,
                resonance_evidence=_number(data["resonance"], 0.0),
                valence=_number(data["valence"], -1.0, 1.0),
                arousal=_number(data["arousal"], 0.0, 1.0),
                weight=_number(data["weight"], 0.0),
                interactions=_count(data["interactions"]),
                sessions=_count(data["sessions"]),
                streak=_count(data["streak"]),
                last_day=_count(data["last_day"], low=-1),
                updated_at=None if updated_at is None else _number(updated_at),
                response_times=tuple(_number(x, 0.0) for x in data["response_times"]),
                history=tuple(history),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise reject("bad_signature", f"not a saved signature: {exc!s}") from exc


def _median(values: tuple[float, ...]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def _number(value: Any, low: float | None = None, high: float | None = None) -> float:
    if type(value) not in (float, int) or not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{value!r} is outside {low}..{high}")
    return float(value)


def _count(value: Any, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{value!r} is not an integer >= {low}")
    return value


class _Deltas:
    """Evidence changes gathered from one interaction, attributed to a signal kind."""

    __slots__ = ("items", "weight")

    def __init__(self) -> None:
        self.items: list[tuple[int, str, float]] = []
        self.weight = 0.0

    def add(self, score: int, kind: str, delta: float) -> None:
        if delta:
            self.items.append((score, kind, delta))


def _rhythm(
    sig: Signature, now: float, params: SignatureParams, out: _Deltas
) -> tuple[int, int, int]:
    """Sessions, streaks and gaps; returns (sessions, streak, day)."""
    day = int(now // DAY_S)
    if sig.updated_at is None:
        out.add(RESONANCE, "rhythm", 0.1)
        out.weight += 0.5
        return 1, 1, day
    sessions, streak = sig.sessions, sig.streak
    persistent = PERSISTENT
    if now - sig.updated_at >= params.session_gap_minutes * 60.0:
        sessions += 1
        out.add(persistent, "rhythm", 0.1)
        out.add(RESONANCE, "rhythm", 0.1)
        out.weight += 0.5
    days = day - sig.last_day
    if days == 1:
        streak += 1
        out.weight += 0.5
        out.add(persistent, "rhythm", 0.1 * min(streak, 7))
        out.add(RESONANCE, "rhythm", 0.1)
    elif days > 1:
        streak = 1
        if days >= 3:
            out.add(persistent, "rhythm", 0.3)
    return sessions, streak, max(day, sig.last_day)


def _text(affect: Affect, out: _Deltas) -> tuple[float, float]:
    """Archetype and resonance evidence from free text; returns the mood targets."""
    explorer, direct, poet, empath = EXPLORER, DIRECT, POET, EMPATH
    emotion, intensity = affect.emotion, affect.intensity
    out.weight += 1.0 if affect.word_count >= 2 else 0.5
    if affect.is_question:
        out.add(explorer, "text", 0.4)
    if emotion in ("curiosity", "surprise"):
        out.add(explorer, "text", 0.2 + 0.3 * intensity)
    if affect.word_count <= 3:
        out.add(direct, "text", 0.3)
    if emotion == "anger":
        out.add(direct, "text", 0.3)
    if affect.word_count >= 10:
        out.add(poet, "text", 0.15 + 0.5 * intensity)
    if affect.emoji_count:
        out.add(poet, "text", 0.1 * min(affect.emoji_count, 3))
    if emotion in ("joy", "sadness") and intensity >= 0.3:
        out.add(poet, "text", 0.2)
    if emotion == "trust":
        out.add(empath, "text", 0.4)
    elif emotion == "sadness":
        out.add(empath, "text", 0.15)
    if affect.polarity <= -0.5 and emotion in ("anger", "disgust"):
        out.add(RESONANCE, "text", -0.3)
    elif affect.word_count >= 3:
        out.add(RESONANCE, "text", 0.15 + 0.35 * intensity)
    arousal = min(1.0, intensity + (0.3 if emotion in ("anger", "fear") else 0.0))
    return affect.polarity, arousal


def _response(
    sig: Signature, times: tuple[float, ...], seconds: float, params: SignatureParams, out: _Deltas
) -> tuple[tuple[float, ...], float]:
    """Fast or slow relative to the player's own median; returns new times and an arousal nudge."""
    if seconds > params.pause_after_s:
        return times, 0.0
    nudge = 0.0
    if len(times) >= 3:
        ratio = seconds / max(_median(times), 0.05)
        out.weight += 0.5
        if ratio <= 0.5:
            out.add(DIRECT, "response_time", 0.35)
            nudge = 0.1
        elif ratio >= 2.0:
            out.add(EXPLORER, "response_time", 0.3)
    return (*times, round(seconds, 3))[-params.response_window :], nudge


def _append(row: str, item: str, keep: int) -> str:
    """Add ``item`` to an encoded history row, dropping the oldest beyond ``keep``."""
    if not row:
        return item
    if row.count(";") + 1 >= keep:
        row = row[row.find(";") + 1 :] if keep > 1 else ""
    return f"{row};{item}" if row else item


def update(
    signature: Signature,
    signals: Signal | Iterable[Signal] | None,
    now: float,
    params: SignatureParams = DEFAULT_PARAMS,
    *,
    interaction: bool = True,
) -> Signature:
    """Apply one interaction to a signature; pure and deterministic given ``now``.

    Old evidence decays by the time since the last update; a new interaction also decays it by
    one interaction's share and updates sessions and day streaks from ``now``. Then each signal
    adds evidence.

    Args:
        signature: The current signature.
        signals: A :class:`ChoiceTag`, an :class:`~yabot.emotion.affect.Affect`, a
            :class:`ResponseTime`, several of them, or None for a bare visit.
        now: The interaction's time in seconds since the epoch (from the update's envelope).
        params: Tunables.
        interaction: False to add signals to the interaction already counted at ``now`` (no
            interaction decay, no rhythm).

    Returns:
        The new signature.

    Raises:
        InvalidSignal: ``now`` is not finite, or a signal is not a signal.
    """
    if not math.isfinite(now):
        raise reject("bad_time", f"update time {now!r} must be a finite number")
    if signals is None:
        batch: tuple[Signal, ...] = ()
    elif isinstance(signals, ChoiceTag | Affect | ResponseTime):
        batch = (signals,)
    else:
        batch = tuple(signals)
    elapsed = 0.0 if signature.updated_at is None else max(0.0, now - signature.updated_at)
    per_interaction = 1.0 / params.interaction_half_life if interaction else 0.0
    arch_decay = 0.5 ** (elapsed / (params.archetype_half_life_days * DAY_S) + per_interaction)
    resonance_decay = 0.5 ** (elapsed / (params.resonance_half_life_days * DAY_S))
    mood_decay = 0.5 ** (elapsed / (params.mood_half_life_hours * 3600.0))

    out = _Deltas()
    if interaction:
        out.weight += INTERACTION_WEIGHT
        sessions, streak, day = _rhythm(signature, now, params, out)
    else:
        sessions, streak, day = signature.sessions, signature.streak, signature.last_day
    valence = signature.valence * mood_decay
    arousal = signature.arousal * mood_decay
    times = signature.response_times
    for signal in batch:
        if isinstance(signal, ChoiceTag):
            out.add(_INDEX[signal.trait], "tag", signal.amount)
            out.add(RESONANCE, "tag", 0.05)
            out.weight += 1.0
        elif isinstance(signal, Affect):
            target_valence, target_arousal = _text(signal, out)
            before = valence
            valence += 0.4 * (target_valence - valence)
            arousal += 0.4 * (target_arousal - arousal)
            out.add(MOOD, "text", valence - before)
        elif isinstance(signal, ResponseTime):
            times, nudge = _response(signature, times, signal.seconds, params, out)
            arousal = min(1.0, arousal + nudge)
        else:
            raise reject("bad_signal", f"{type(signal).__name__} is not an emotion signal")

    evidence = [e * arch_decay for e in signature.evidence]
    resonance = signature.resonance_evidence * resonance_decay
    history = list(signature.history)
    keep = params.history_size
    stamp = f"@{math.floor(now)}"
    merged: dict[tuple[int, str], float] = {}
    for score, kind, delta in out.items:
        merged[score, kind] = merged.get((score, kind), 0.0) + delta
    for (score, kind), delta in merged.items():
        if score < RESONANCE:
            evidence[score] = min(MAX_ARCHETYPE_EVIDENCE, max(0.0, evidence[score] + delta))
        elif score == RESONANCE:
            resonance = min(MAX_RESONANCE_EVIDENCE, max(0.0, resonance + delta))
        if abs(delta) >= 0.0005:  # shown with 3 decimals: smaller changes are not worth a line
            item = KIND_CODES[kind] + _delta_text(delta) + stamp
            history[score] = _append(history[score], item, keep)
    return Signature(
        evidence=tuple(evidence),
        resonance_evidence=resonance,
        valence=max(-1.0, min(1.0, valence)),
        arousal=max(0.0, min(1.0, arousal)),
        weight=signature.weight * arch_decay + out.weight,
        interactions=signature.interactions + (1 if interaction else 0),
        sessions=sessions,
        streak=streak,
        last_day=day,
        updated_at=now if signature.updated_at is None else max(now, signature.updated_at),
        response_times=times,
        history=tuple(history),
    )
