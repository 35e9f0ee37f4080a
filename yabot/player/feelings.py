"""The player logic's view of the emotional signature, over :mod:`yabot.emotion`."""

from __future__ import annotations

from typing import Any

from yabot.emotion import (
    DEFAULT_PARAMS,
    InvalidSignal,
    Signal,
    Signature,
    SignatureParams,
    analyze,
    describe,
    parse_emo_tag,
    response_time,
    to_story_variables,
    update,
)

RESPONSE_WINDOW_S = 30 * 60.0
MIN_RESPONSE_S = 1.0  # quicker than a person can read: a double tap or a script, not a signal


class EmotionFeelings:
    """Folds interactions into a :class:`Signature`; every method is pure.

    ``on_interaction`` counts the visit (decay, rhythm); the signals of the same update
    (an authored choice, a free-text answer) are added without counting another visit.
    """

    def __init__(self, params: SignatureParams = DEFAULT_PARAMS) -> None:
        self.params = params

    def new(self) -> Signature:
        """An empty signature."""
        return Signature()

    def on_interaction(self, signature: Signature, now: float, last_seen_at: float) -> Signature:
        """A visit: decay, rhythm and (within a session) response time."""
        signals: list[Signal] = []
        gap = now - last_seen_at
        if last_seen_at > 0 and MIN_RESPONSE_S <= gap <= RESPONSE_WINDOW_S:
            signals.append(response_time(gap))
        return update(signature, signals, now, self.params)

    def on_choice(self, signature: Signature, tag: str, now: float) -> Signature:
        """An authored ``emo:<trait>±<n>`` effect (malformed tags are counted and ignored)."""
        try:
            signal = parse_emo_tag(tag)
        except InvalidSignal:
            return signature
        return update(signature, signal, now, self.params, interaction=False)

    def on_text(self, signature: Signature, text: str, language: str, now: float) -> Signature:
        """A free-text answer; only its affect is kept, never the text."""
        hint = language if language in ("en", "es") else None
        return update(signature, analyze(text, hint=hint), now, self.params, interaction=False)  # type: ignore[arg-type]

    def variables(self, signature: Signature) -> dict[str, Any]:
        """The story variables derived from the signature."""
        return dict(to_story_variables(signature, self.params))

    def describe(self, signature: Signature, language: str) -> str:
        """The ``/profile`` summary."""
        return describe(signature, language, self.params)
