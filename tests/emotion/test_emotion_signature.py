"""The signature reacts to choices, text, response times and rhythm as a player would expect."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from prometheus_client import REGISTRY

from yabot.config import EmotionSettings
from yabot.emotion import (
    ARCHETYPES,
    ChoiceTag,
    InvalidSignal,
    Signature,
    SignatureParams,
    analyze,
    describe,
    explain,
    parse_emo_tag,
    response_time,
    to_story_variables,
    update,
)

T0 = 1_800_000_000.0
DAY = 86_400.0


def play(
    signals_per_turn: Sequence[Sequence[Any]], start: float = T0, step: float = 30.0
) -> Signature:
    signature = Signature()
    for i, signals in enumerate(signals_per_turn):
        signature = update(signature, signals, start + i * step)
    return signature


def rejected(reason: str) -> float:
    value = REGISTRY.get_sample_value("yabot_emotion_signals_rejected_total", {"reason": reason})
    return value or 0.0


@pytest.mark.parametrize(
    ("tag", "trait", "amount"),
    [("#emo:poet+2", "poet", 2.0), ("emo:direct-1", "direct", -1.0),
     ("#emo: empath + 3", "empath", 3.0), ("#EMO:Explorer+1", "explorer", 1.0),
     ("emo:persistent+0.5", "persistent", 0.5)],
)  # fmt: skip
def test_parse_emo_tag(tag: str, trait: str, amount: float) -> None:
    assert parse_emo_tag(tag) == ChoiceTag(trait, amount)


@pytest.mark.parametrize(
    ("tag", "reason"),
    [("#emo:poet", "malformed_tag"), ("#emo:poet+x", "malformed_tag"),
     ("#mood:poet+1", "malformed_tag"), ("#emo:wizard+1", "unknown_trait"),
     ("#emo:poet+11", "tag_amount")],
)  # fmt: skip
def test_bad_tags_are_refused_clearly_and_counted(tag: str, reason: str) -> None:
    before = rejected(reason)
    with pytest.raises(InvalidSignal, match="emotion tag"):
        parse_emo_tag(tag)
    assert rejected(reason) == before + 1


@pytest.mark.parametrize("seconds", [-1.0, float("nan"), float("inf")])
def test_impossible_response_times_are_refused(seconds: float) -> None:
    with pytest.raises(InvalidSignal, match="response time"):
        response_time(seconds)


def test_a_new_signature_is_blank_and_has_no_dominant() -> None:
    variables = to_story_variables(Signature())
    assert variables == {
        "resonance": 0.0, "mood": "neutral", "arch_explorer": 0.0, "arch_direct": 0.0,
        "arch_poet": 0.0, "arch_empath": 0.0, "arch_persistent": 0.0, "dominant": "none",
    }  # fmt: skip


def test_choice_tags_shape_the_archetypes() -> None:
    poet = play([[parse_emo_tag("#emo:poet+2")]] * 6)
    direct = play([[parse_emo_tag("#emo:direct+2")]] * 6)
    assert to_story_variables(poet)["dominant"] == "poet"
    assert to_story_variables(direct)["dominant"] == "direct"
    assert poet.scores["poet"] > 0.5 > poet.scores["direct"]
    lowered = update(poet, parse_emo_tag("#emo:poet-3"), T0 + 1000)
    assert lowered.scores["poet"] < poet.scores["poet"]


def test_one_tag_is_not_enough_to_name_an_archetype() -> None:
    once = play([[parse_emo_tag("#emo:poet+2")]])
    assert once.scores["poet"] > 0
    assert to_story_variables(once)["dominant"] == "none"


def test_free_text_feeds_archetypes_mood_and_resonance() -> None:
    questions = play(
        [
            [analyze(t)]
            for t in [
                "¿Quién es Lucien?",
                "¿Qué hay en el sótano?",
                "Why did the clock stop?",
                "¿Qué significa el símbolo?",
            ]
        ]
    )
    assert max(questions.scores, key=questions.scores.__getitem__) == "explorer"
    warm = play([[analyze("Me encanta hablar contigo, Diana, me siento en paz ❤️")]] * 3)
    cold = play([[analyze("Esto es estúpido y odio este sitio 😡")]] * 3)
    assert warm.mood == "warm"
    assert cold.mood == "tense"
    assert warm.resonance > cold.resonance
    sad = play([[analyze("Me siento muy sola y triste")]] * 3)
    assert sad.mood == "guarded"


def test_response_times_compare_with_the_players_own_median() -> None:
    steady = [[response_time(20.0)]] * 5
    quick = play([*steady, [response_time(4.0)], [response_time(5.0)]])
    slow = play([*steady, [response_time(70.0)], [response_time(80.0)]])
    assert quick.scores["direct"] > 0 and quick.scores["explorer"] == 0
    assert slow.scores["explorer"] > 0 and slow.scores["direct"] == 0
    # A slow player answering at their usual pace is not "direct" or "methodical".
    usual = play([[response_time(60.0)]] * 7)
    assert usual.scores["direct"] == usual.scores["explorer"] == 0
    assert usual.response_median == 60.0
    # A pause of hours is not an answer.
    paused = update(usual, response_time(5 * 3600.0), T0 + DAY)
    assert paused.response_times == usual.response_times


def test_daily_streaks_and_sessions_make_the_persistent_one() -> None:
    signature = Signature()
    for day in range(6):
        for turn in range(3):
            signature = update(signature, None, T0 + day * DAY + turn * 60)
    assert signature.streak == 6
    assert signature.sessions == 6
    assert to_story_variables(signature)["dominant"] == "persistent"
    skipped = update(signature, None, T0 + 9 * DAY)
    assert skipped.streak == 1


def test_engaged_expressive_play_resonates_more_than_clicking() -> None:
    texts = ["Me encanta este jardín, Diana", "Confío en ti", "Tengo un poco de miedo, pero sigo",
             "I love the way you see the world", "What is behind the mirror?"]  # fmt: skip
    engaged, clicker = Signature(), Signature()
    now = T0
    for day in range(4):
        for turn in range(12):
            now = T0 + day * DAY + turn * 45
            tag = parse_emo_tag(f"#emo:{ARCHETYPES[turn % 5]}+1")
            engaged_signals: list[Any] = [tag]
            if turn % 3 == 0:
                engaged_signals.append(analyze(texts[(day + turn) % len(texts)]))
            engaged = update(engaged, engaged_signals, now)
            clicker = update(clicker, tag, now)
    assert engaged.resonance >= 0.6 > clicker.resonance
    assert engaged.confidence > 0.9


def test_old_evidence_fades_with_time() -> None:
    signature = play([[parse_emo_tag("#emo:poet+3"), analyze("Me encanta")]] * 5)
    later = update(signature, None, T0 + 60 * DAY)
    poet = ARCHETYPES.index("poet")
    assert later.evidence[poet] < signature.evidence[poet] / 4
    assert later.scores["poet"] < signature.scores["poet"]
    assert later.resonance < signature.resonance
    assert later.confidence < signature.confidence
    assert later.mood == "neutral"


def test_each_score_keeps_a_bounded_list_of_recent_contributions() -> None:
    params = SignatureParams(history_size=3)
    signature = Signature()
    for i in range(10):
        signature = update(signature, parse_emo_tag("#emo:empath+1"), T0 + i, params)
    empath = signature.contributions("empath")
    assert len(empath) == 3
    assert [c.at for c in empath] == [T0 + 7, T0 + 8, T0 + 9]
    assert all(c.kind == "tag" and c.delta == 1.0 for c in empath)


def test_explain_shows_scores_with_their_contributions() -> None:
    signature = play(
        [[parse_emo_tag("#emo:poet+2"), analyze("¿Quién eres?"), response_time(9)]] * 5
    )
    view = explain(signature)
    json.dumps(view)
    assert view["archetypes"]["poet"]["recent"][-1] == {"kind": "tag", "delta": 2.0, "at": T0 + 120}
    assert {c["kind"] for c in view["archetypes"]["explorer"]["recent"]} == {"text"}
    assert view["resonance"]["recent"] and view["mood"]["value"] in {
        "warm",
        "neutral",
        "guarded",
        "tense",
    }
    assert view["dominant"] == "poet" and view["interactions"] == 5


def test_describe_in_both_languages() -> None:
    signature = play([[parse_emo_tag("#emo:poet+2"), analyze("Qué noche tan hermosa ✨")]] * 8)
    spanish, english = describe(signature, "es"), describe(signature, "en")
    assert "Alma poeta" in spanish and "cálido" in spanish and "Resonancia" in spanish
    assert "The poet" in english and "warm" in english and "Resonance" in english
    assert "●" in english
    assert "still taking shape" in describe(Signature(), "en")
    assert "aún se está formando" in describe(Signature(), "es")
    with pytest.raises(ValueError, match="language"):
        describe(signature, "fr")


def test_the_spanish_confidence_line_is_a_whole_phrase() -> None:
    """/profile in Spanish said "Seguridad de esta lectura: muy (96%)", an adverb on its own."""
    sure = play([[parse_emo_tag("#emo:poet+2"), analyze("Qué noche tan hermosa ✨")]] * 40)
    assert sure.confidence >= 0.8
    lines = {line.split(":")[0]: line for line in describe(sure, "es").splitlines()}
    assert lines["Seguridad de esta lectura"].startswith("Seguridad de esta lectura: muy alta (")
    unsure = describe(Signature(), "es").splitlines()[-1]
    assert unsure == "Seguridad de esta lectura: baja (0%)"


def test_saved_signature_is_checked_on_load() -> None:
    saved = play([[parse_emo_tag("#emo:poet+2")]] * 3).to_dict()
    assert Signature.from_dict(json.loads(json.dumps(saved))) == Signature.from_dict(saved)
    without_weight = {k: v for k, v in saved.items() if k != "weight"}
    broken_ones = [
        {**saved, "v": 99},
        {**saved, "evidence": [1, 2]},
        {**saved, "valence": 7},
        {**saved, "history": {"wizard": []}},
        without_weight,
    ]
    for broken in broken_ones:
        with pytest.raises(InvalidSignal, match="not a saved signature"):
            Signature.from_dict(broken)


def test_updates_that_arrive_out_of_order_do_not_rewind_time() -> None:
    signature = play([[parse_emo_tag("#emo:poet+1")]] * 3)
    late = update(signature, parse_emo_tag("#emo:poet+1"), T0 - DAY)
    assert late.updated_at == signature.updated_at
    assert late.last_day == signature.last_day
    assert late.scores["poet"] > signature.scores["poet"]


def test_the_emotion_settings_section_configures_the_model() -> None:
    settings = EmotionSettings.model_validate({"session_gap_minutes": 5, "history_size": 2})
    params = SignatureParams(**settings.model_dump())
    assert params == SignatureParams(session_gap_minutes=5, history_size=2)
    signature = play([[parse_emo_tag("#emo:poet+1")]] * 2, step=400.0)
    resumed = update(signature, None, T0 + 1200, params)
    assert resumed.sessions == signature.sessions + 1
