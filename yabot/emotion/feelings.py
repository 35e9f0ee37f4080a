"""The player logic's view of the signature: JSON dicts in, JSON dicts out.

Implements ``yabot.player.logic.Feelings``; the player state keeps the signature as the dict
from :meth:`Signature.to_dict` (an empty dict is a new player).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from yabot.emotion.affect import analyze
from yabot.emotion.lexicon import Language
from yabot.emotion.presentation import describe, explain, to_story_variables
from yabot.emotion.signals import (
    ChoiceTag,
    InvalidSignal,
    Signal,
    is_emo_tag,
    parse_emo_tag,
    response_time,
)
from yabot.emotion.signature import DEFAULT_PARAMS, Signature, SignatureParams, update


class SignatureFeelings:
    """Folds interactions, choices and free text into a player's saved signature."""

    def __init__(self, params: SignatureParams = DEFAULT_PARAMS) -> None:
        """Create the adapter.

        Args:
            params: Tunables, e.g. ``SignatureParams(**settings.emotion.model_dump())``.
        """
        self._params = params

    def load(self, saved: Mapping[str, Any]) -> Signature:
        """The signature saved in ``saved`` (a new one when empty).

        Raises:
            InvalidSignal: ``saved`` is not a saved signature.
        """
        return Signature.from_dict(saved) if saved else Signature()

    def on_interaction(self, signature: dict[str, Any], now: float) -> dict[str, Any]:
        """Count an interaction: rhythm, decay, and the time since the player's last one.

        The bot answers every interaction at once, so the time since the previous interaction
        is how long the player took to respond (pauses past ``pause_after_s`` are ignored).
        """
        current = self.load(signature)
        signals: list[Signal] = []
        if current.updated_at is not None and now >= current.updated_at:
            signals.append(response_time(now - current.updated_at))
        return update(current, signals, now, self._params).to_dict()

    def on_choice(
        self, signature: dict[str, Any], tags: Iterable[str], now: float
    ) -> dict[str, Any]:
        """Fold a choice's ``#emo:`` tags in; malformed tags are counted, logged and skipped."""
        signals: list[ChoiceTag] = []
        for tag in tags:
            if is_emo_tag(tag):
                try:
                    signals.append(parse_emo_tag(tag))
                except InvalidSignal:
                    continue
        if not signals:
            return signature
        return update(self.load(signature), signals, now, self._params, interaction=False).to_dict()

    def on_text(
        self, signature: dict[str, Any], text: str, language: str, now: float
    ) -> dict[str, Any]:
        """Fold a free-text answer's affect in; the text itself is not kept."""
        hint: Language | None = "es" if language == "es" else "en" if language == "en" else None
        affect = analyze(text, hint)
        return update(self.load(signature), affect, now, self._params, interaction=False).to_dict()

    def variables(self, signature: dict[str, Any]) -> dict[str, Any]:
        """The ink variables (see :func:`to_story_variables`)."""
        return dict(to_story_variables(self.load(signature), self._params))

    def describe(self, signature: dict[str, Any], language: str) -> str:
        """The ``/profile`` summary in ``language`` (English for anything but "es")."""
        return describe(self.load(signature), "es" if language == "es" else "en", self._params)

    def explain(self, signature: dict[str, Any]) -> dict[str, Any]:
        """The admin view of a saved signature (see :func:`explain`)."""
        return explain(self.load(signature), self._params)
