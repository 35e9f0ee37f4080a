"""Turn tokens, save/restore, /lang, replacing a story mid-play, and refusals."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from narrative_helpers import STORIES_DIR, STORY, play_until, signature_vars, step
from prometheus_client import REGISTRY

from yabot.config import StorySettings
from yabot.narrative import (
    InvalidChoiceError,
    NarrativeEngine,
    NarrativeError,
    NotAskingError,
    StaleTurnError,
    StoryLibrary,
    StoryLoadError,
    Turn,
    decode_choice,
    peek,
    render_turn,
)

# The engine's behaviour is pinned on a frozen compile of the first sample story (the story
# itself keeps changing; tests/narrative/test_story_check.py checks the committed one).
FROZEN = Path(__file__).parent / "fixtures" / "frozen"


@pytest.fixture
def library() -> StoryLibrary:
    lib = StoryLibrary(FROZEN)
    lib.load_all()
    return lib


def _rejections(reason: str) -> float:
    labels = {"story": STORY, "reason": reason}
    return REGISTRY.get_sample_value("yabot_narrative_rejected_total", labels) or 0.0


def _played(engine: NarrativeEngine, picks: list[int], seed: str = "s") -> list[Turn]:
    variables = signature_vars("en")
    turns = [engine.begin(STORY, variables, seed=seed)]
    for pick in picks:
        turns.append(step(engine, turns[-1], variables, pick))
    return turns


def test_a_press_on_an_old_moment_is_refused_and_changes_nothing(engine: NarrativeEngine) -> None:
    variables = signature_vars("en")
    first = engine.begin(STORY, variables, seed="1")
    second = step(engine, first, variables)
    counted = _rejections("stale")
    with pytest.raises(StaleTurnError, match="passed"):
        engine.choose(STORY, second.state, first.token, 0, variables)
    assert _rejections("stale") == counted + 1
    third = engine.choose(STORY, second.state, second.token, 0, variables)
    again = engine.choose(STORY, second.state, second.token, 0, variables)
    assert (third.scene, third.token, third.passages) == (again.scene, again.token, again.passages)


def test_buttons_carry_the_turn_token_within_64_bytes(engine: NarrativeEngine) -> None:
    turn = engine.begin(STORY, signature_vars("es", arch_poet=0.9), seed="x")
    buttons = render_turn(turn, 7, "es")[-1]["reply_markup"]["inline_keyboard"]
    decoded = [decode_choice(row[0]["callback_data"]) for row in buttons]
    assert decoded == [(turn.token, c.index) for c in turn.visible_choices]
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in buttons)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(picks=st.lists(st.integers(min_value=0, max_value=2), min_size=1, max_size=12))
def test_turns_are_deterministic_and_every_token_is_fresh(
    engine: NarrativeEngine, picks: list[int]
) -> None:
    once, twice = _played(engine, picks), _played(engine, picks)
    assert [t.token for t in once] == [t.token for t in twice]
    assert [t.passages for t in once] == [t.passages for t in twice]
    assert len({t.token for t in once}) == len(once)
    last = once[-1]
    for old in once[:-1]:
        with pytest.raises(StaleTurnError):
            engine.choose(STORY, last.state, old.token, 0, signature_vars("en"))


def test_a_new_play_through_does_not_revive_old_buttons(engine: NarrativeEngine) -> None:
    old = engine.begin(STORY, signature_vars("en"), seed="update-1")
    new = engine.begin(STORY, signature_vars("en"), seed="update-9")
    with pytest.raises(StaleTurnError):
        engine.choose(STORY, new.state, old.token, 0, signature_vars("en"))


def test_a_restored_state_continues_exactly_where_it_was(engine: NarrativeEngine) -> None:
    turns = _played(engine, [0, 1, 0, 0, 1])
    before_crash = turns[-1]
    snapshot = json.loads(json.dumps({"story_state": before_crash.state}))["story_state"]
    restarted = NarrativeEngine(_fresh_library(), max_message_chars=4000)
    variables = signature_vars("en")
    index = before_crash.visible_choices[-1].index
    here = engine.choose(STORY, before_crash.state, before_crash.token, index, variables)
    there = restarted.choose(STORY, snapshot, before_crash.token, index, variables)
    assert (there.scene, there.token, there.passages, there.choices, there.effects) == (
        here.scene,
        here.token,
        here.passages,
        here.choices,
        here.effects,
    )
    info = peek(snapshot)
    assert (info.scene, info.token, info.number) == (before_crash.scene, before_crash.token, 6)
    shown_again = restarted.resume(STORY, snapshot, variables)
    assert (shown_again.scene, shown_again.passages) == (before_crash.scene, before_crash.passages)


def _fresh_library() -> StoryLibrary:
    lib = StoryLibrary(FROZEN)
    lib.load_all()
    return lib


def test_lang_switch_reshows_the_moment_in_the_other_language(engine: NarrativeEngine) -> None:
    english = signature_vars("en")
    turn = step(engine, engine.begin(STORY, english), english)
    spanish = engine.resume(STORY, turn.state, signature_vars("es"))
    assert spanish.scene == turn.scene == "1_02"
    assert spanish.passages[0].startswith("La casa está al final de una calle")
    assert [c.text for c in spanish.visible_choices] == ["Caminar hasta la verja"]
    assert spanish.effects == () and spanish.replayed
    assert spanish.token != turn.token
    with pytest.raises(StaleTurnError):
        engine.choose(STORY, spanish.state, turn.token, 0, english)
    moved_on = engine.choose(STORY, spanish.state, spanish.token, 0, signature_vars("es"))
    assert moved_on.scene == "1_03" and moved_on.passages[0].startswith("Un hombre alto")


def test_resume_does_not_pay_rewards_twice(engine: NarrativeEngine) -> None:
    variables = signature_vars("en")
    turns = play_until(
        engine,
        engine.begin(STORY, variables),
        variables,
        lambda t: any(e.kind == "reward" for e in t.effects),
    )
    resumed = engine.resume(STORY, turns[-1].state, variables)
    assert resumed.scene == turns[-1].scene and resumed.effects == ()


def test_free_text_answer_moves_on_and_a_stray_answer_is_refused(engine: NarrativeEngine) -> None:
    variables = signature_vars("en")
    turns = play_until(
        engine, engine.begin(STORY, variables), variables, lambda t: t.ask is not None
    )
    question = turns[-1]
    assert question.ask == "why_here"
    assert all(not c.is_answer for c in question.visible_choices)
    assert "Write your answer" in render_turn(question, 1, "en")[-1]["text"]
    answered = engine.answer(STORY, question.state, variables)
    assert answered.scene == "1_05" and answered.ask is None
    with pytest.raises(NotAskingError):
        engine.answer(STORY, answered.state, variables)
    hidden = next(c for c in question.choices if c.is_answer)
    with pytest.raises(InvalidChoiceError):
        engine.choose(STORY, question.state, question.token, hidden.index, variables)


def test_bad_input_gets_clear_errors(engine: NarrativeEngine) -> None:
    turn = engine.begin(STORY, signature_vars("en"))
    counted = _rejections("invalid_choice")
    with pytest.raises(InvalidChoiceError):
        engine.choose(STORY, turn.state, turn.token, 7, signature_vars("en"))
    assert _rejections("invalid_choice") == counted + 1
    with pytest.raises(NarrativeError, match="not a story state"):
        engine.choose(STORY, "{not json", turn.token, 0, signature_vars("en"))
    with pytest.raises(NarrativeError, match=r"no story"):
        engine.begin("nope", signature_vars("en"))


def _edited(library: StoryLibrary, old: str, new: str) -> str:
    text = library.get(STORY).json_text
    assert old in text
    return text.replace(old, new)


def test_replacing_the_story_keeps_a_player_mid_story(library: StoryLibrary) -> None:
    engine = NarrativeEngine(library)
    variables = signature_vars("en")
    turns = play_until(
        engine, engine.begin(STORY, variables), variables, lambda t: t.scene == "1_07"
    )
    before = turns[-1]
    library.replace(STORY, _edited(library, "small riddle on a card", "riddle on a silver card"))
    assert library.get(STORY).version != before.version
    with pytest.raises(StaleTurnError):
        engine.choose(STORY, before.state, turns[-2].token, 0, variables)
    moved = engine.choose(STORY, before.state, before.token, 0, variables)
    assert moved.migrated and moved.scene == "1_07" and moved.effects == ()
    assert "riddle on a silver card" in moved.passages[0]
    assert moved.version == library.get(STORY).version
    onward = engine.choose(STORY, moved.state, moved.token, 0, variables)
    assert onward.scene == "1_08" and not onward.migrated


def test_an_incompatible_replacement_restarts_the_current_chapter(
    library: StoryLibrary, tmp_path: Path, inkjs: Callable[[str, Path], str]
) -> None:
    engine = NarrativeEngine(library)
    variables = signature_vars("en")
    turns = play_until(
        engine, engine.begin(STORY, variables), variables, lambda t: t.scene == "2_03"
    )
    rewritten = inkjs(
        'VAR lang = "en"\nVAR trust = 0\n-> chapter_1\n'
        "=== chapter_1 ===\nNew one. #chapter:1\n+ [On] -> chapter_2\n"
        "=== chapter_2 ===\nThe gallery, rewritten. #chapter:2 #scene:2_new\n"
        "Trust is {trust}.\n+ [On] -> END\n",
        tmp_path,
    )
    library.replace(STORY, rewritten)
    moved = engine.resume(STORY, turns[-1].state, variables)
    assert moved.migrated and moved.chapter == 2 and moved.scene == "2_new"
    assert moved.passages[0].startswith("The gallery, rewritten.")
    assert "Trust is 1." in moved.passages[0], "variables survive the rewrite"
    shown_again = engine.resume(STORY, moved.state, variables)
    assert (shown_again.scene, shown_again.passages) == (moved.scene, moved.passages)
    assert engine.choose(STORY, moved.state, moved.token, 0, variables).ended


def test_a_broken_replacement_is_refused_and_the_story_keeps_running(library: StoryLibrary) -> None:
    engine = NarrativeEngine(library)
    version = library.get(STORY).version
    with pytest.raises(StoryLoadError):
        library.replace(STORY, '{"inkVersion": 21, "root": "nonsense"}')
    with pytest.raises(StoryLoadError):
        library.replace(STORY, "not json at all")
    assert library.get(STORY).version == version
    assert engine.begin(STORY, signature_vars("en")).scene == "1_01"


def test_engine_from_settings_loads_the_configured_story() -> None:
    settings = StorySettings.model_validate({"stories_dir": FROZEN, "max_message_chars": 120})
    engine = NarrativeEngine.from_settings(settings)
    turn = engine.begin(settings.story, signature_vars("en"))
    assert turn.chapter == 1 and len(turn.passages) >= 2
    assert all(len(p) <= 120 for p in turn.passages)
    with pytest.raises(StoryLoadError):
        missing = {"stories_dir": STORIES_DIR / "missing"}
        NarrativeEngine.from_settings(StorySettings.model_validate(missing))


def test_worker_threads_play_the_same_turns(engine: NarrativeEngine) -> None:
    picks = [0, 1, 2, 0, 1, 0, 0, 1]
    expected = [t.token for t in _played(engine, picks)]
    barrier = threading.Barrier(4)

    def play(_: int) -> list[str]:
        barrier.wait()
        return [t.token for _ in range(5) for t in _played(engine, picks)][-len(picks) - 1 :]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(play, range(4)))
    assert all(result == expected for result in results)
