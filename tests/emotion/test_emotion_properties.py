"""Properties of the signature for any sequence of signals and clock values."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from yabot.emotion import (
    ARCHETYPES,
    Affect,
    ChoiceTag,
    ResponseTime,
    Signal,
    Signature,
    to_story_variables,
    update,
)

T0 = 1_800_000_000.0
EMOTIONS = ["joy", "trust", "curiosity", "surprise", "sadness", "fear", "anger", "disgust", "none"]

tags = st.builds(ChoiceTag, st.sampled_from(ARCHETYPES), st.floats(-10, 10, allow_nan=False))
affects = st.builds(
    Affect,
    polarity=st.floats(-1, 1),
    intensity=st.floats(0, 1),
    emotion=st.sampled_from(EMOTIONS),
    language=st.sampled_from(["es", "en"]),
    word_count=st.integers(0, 300),
    is_question=st.booleans(),
    emoji_count=st.integers(0, 40),
)
times = st.builds(ResponseTime, st.floats(0, 100_000, allow_nan=False))
signals = st.one_of(tags, affects, times)
# Mostly forward steps, sometimes a clock that goes back a little (replays, skewed envelopes).
steps = st.lists(
    st.tuples(st.lists(signals, max_size=3), st.floats(-600, 40 * 86_400, allow_nan=False)),
    max_size=25,
)


def play(history: list[tuple[list[Signal], float]]) -> Signature:
    signature, now = Signature(), T0
    for batch, step in history:
        now += step
        signature = update(signature, batch, now)
    return signature


@settings(max_examples=150, deadline=None)
@given(steps)
def test_scores_and_resonance_stay_within_bounds(history: list[tuple[list[Signal], float]]) -> None:
    signature = play(history)
    variables = to_story_variables(signature)
    for name in ARCHETYPES:
        assert 0.0 <= variables[f"arch_{name}"] <= 1.0  # type: ignore[operator]
    assert 0.0 <= signature.resonance <= 1.0
    assert 0.0 <= signature.confidence <= 1.0
    assert -1.0 <= signature.valence <= 1.0 and 0.0 <= signature.arousal <= 1.0
    assert variables["mood"] in {"warm", "neutral", "guarded", "tense"}
    assert variables["dominant"] in {*ARCHETYPES, "none"}


@settings(max_examples=100, deadline=None)
@given(steps)
def test_update_is_deterministic(history: list[tuple[list[Signal], float]]) -> None:
    first, second = play(history), play(history)
    assert first == second
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


@settings(max_examples=150, deadline=None)
@given(steps, st.floats(0, 400 * 86_400, allow_nan=False), st.sampled_from(ARCHETYPES))
def test_decay_never_increases_an_unreinforced_score(
    history: list[tuple[list[Signal], float]], wait: float, other: str
) -> None:
    signature = play(history)
    now = (signature.updated_at or T0) + wait
    faded = update(signature, None, now, interaction=False)
    for name in ARCHETYPES:
        assert faded.scores[name] <= signature.scores[name]
    assert faded.resonance <= signature.resonance
    assert faded.confidence <= signature.confidence
    assert abs(faded.valence) <= abs(signature.valence)
    # A choice tagged for one archetype never raises another.
    tagged = update(signature, ChoiceTag(other, 3.0), now)
    for name in ARCHETYPES:
        if name not in (other, "persistent"):  # persistence also grows from the visit itself
            assert tagged.scores[name] <= signature.scores[name]


@settings(max_examples=150, deadline=None)
@given(steps)
def test_serialization_round_trips_through_json(history: list[tuple[list[Signal], float]]) -> None:
    signature = play(history)
    restored = Signature.from_dict(json.loads(json.dumps(signature.to_dict(), allow_nan=False)))
    assert restored == signature
    assert restored.to_dict() == signature.to_dict()
