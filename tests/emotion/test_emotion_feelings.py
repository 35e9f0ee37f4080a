"""The adapter the player logic uses: saved dicts in, saved dicts out."""

from __future__ import annotations

import json

from prometheus_client import REGISTRY

from yabot.config import EmotionSettings
from yabot.emotion import SignatureFeelings, SignatureParams

T0 = 1_800_000_000.0


def test_a_player_session_through_the_adapter() -> None:
    feelings = SignatureFeelings(SignatureParams(**EmotionSettings.model_validate({}).model_dump()))
    saved: dict[str, object] = {}
    for i in range(8):
        now = T0 + i * 20
        saved = feelings.on_interaction(saved, now)
        saved = feelings.on_choice(saved, ("scene:garden", "#emo:empath+2"), now)
        if i % 2:
            saved = feelings.on_text(saved, "Confío en ti, Diana, de verdad", "es", now)
    text = json.dumps(saved)
    assert "Confío" not in text and "Diana" not in text  # the player's words are not kept
    variables = feelings.variables(saved)
    assert variables["dominant"] == "empath"
    assert variables["mood"] == "warm"
    assert saved["interactions"] == 8
    assert saved["response_times"] == [20.0] * 7
    assert "Corazón analítico" in feelings.describe(saved, "es")
    assert "empathic analyst" in feelings.describe(saved, "en")
    view = feelings.explain(saved)
    assert view["dominant"] == "empath"
    assert {c["kind"] for c in view["archetypes"]["empath"]["recent"]} == {"tag", "text"}


def test_a_malformed_tag_is_skipped_counted_and_the_rest_applies() -> None:
    feelings = SignatureFeelings()
    before = (
        REGISTRY.get_sample_value(
            "yabot_emotion_signals_rejected_total", {"reason": "unknown_trait"}
        )
        or 0.0
    )
    saved = feelings.on_interaction({}, T0)
    after = feelings.on_choice(saved, ("#emo:wizard+1", "#emo:poet+1"), T0)
    assert (
        REGISTRY.get_sample_value(
            "yabot_emotion_signals_rejected_total", {"reason": "unknown_trait"}
        )
        == before + 1
    )
    assert feelings.variables(after)["arch_poet"] > 0
    assert feelings.on_choice(saved, ("scene:x",), T0) == saved
