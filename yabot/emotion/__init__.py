"""The emotional signature: free-text affect, archetypes, mood, confidence and resonance.

Typical use in the player actor::

    affect = analyze(text, hint=player_language)
    signature = update(signature, [affect, response_time(seconds)], now)
    story.variables.update(to_story_variables(signature))
"""

from yabot.emotion.affect import Affect, analyze
from yabot.emotion.feelings import SignatureFeelings
from yabot.emotion.language import detect_language
from yabot.emotion.presentation import describe, explain, to_story_variables
from yabot.emotion.signals import (
    ARCHETYPES,
    ChoiceTag,
    InvalidSignal,
    ResponseTime,
    Signal,
    is_emo_tag,
    parse_emo_tag,
    response_time,
)
from yabot.emotion.signature import (
    DEFAULT_PARAMS,
    Contribution,
    Signature,
    SignatureParams,
    update,
)

__all__ = [
    "ARCHETYPES",
    "DEFAULT_PARAMS",
    "Affect",
    "ChoiceTag",
    "Contribution",
    "InvalidSignal",
    "ResponseTime",
    "Signal",
    "Signature",
    "SignatureFeelings",
    "SignatureParams",
    "analyze",
    "describe",
    "detect_language",
    "explain",
    "is_emo_tag",
    "parse_emo_tag",
    "response_time",
    "to_story_variables",
    "update",
]
