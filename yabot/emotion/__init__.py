"""The emotional signature: free-text affect, archetypes, mood, confidence and resonance.

Typical use in the player logic::

    affect = analyze(text, hint=player_language)
    signature = update(signature, [affect, response_time(seconds)], now)
    story_variables.update(to_story_variables(signature))

What moves what (evidence per archetype decays with time and interactions; a score is
``1 - exp(-evidence / 8)``):

- ``#emo:<trait>+<n>`` choice tags: +n to that archetype, +0.05 resonance.
- Free text: a question or curiosity -> explorer; three words or fewer, or anger -> direct;
  ten words or more, emoji, intense joy or sadness -> poet; trust (and sadness) -> empath;
  three words or more -> resonance (more when intense); hostile text lowers resonance. The
  text's polarity and intensity move the mood (warm / neutral / guarded / tense).
- Response time vs the player's own median: half or less -> direct, twice or more -> explorer.
- Rhythm: a new session (30 min gap) and consecutive days -> persistent and resonance;
  coming back after 3+ days -> persistent.
- Confidence grows with the amount of (decayed) evidence; ``dominant`` is "none" below 0.35.
"""

from yabot.emotion.affect import Affect, analyze
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
