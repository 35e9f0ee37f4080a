"""Answers that matter, bold titles, gates that say how close the player is, signature marks and
chapter replay, on the small fixture story (tests/narrative/fixtures/good)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from narrative_helpers import signature_vars

from yabot.narrative import NarrativeEngine, StoryLibrary, Turn, render_turn
from yabot.narrative.answers import QUOTE_MAX_CHARS, quote, read_answer
from yabot.narrative.splitting import telegram_length

GOOD = Path(__file__).parent / "fixtures" / "good" / "good.ink"
STORY = "good"


@pytest.fixture
def good(tmp_path: Path, inkjs: Callable[[str, Path], str]) -> NarrativeEngine:
    folder = tmp_path / STORY / "compiled"
    folder.mkdir(parents=True)
    (folder / f"{STORY}.json").write_text(inkjs(GOOD.read_text("utf-8"), tmp_path), "utf-8")
    library = StoryLibrary(tmp_path)
    library.load_all()
    return NarrativeEngine(library)


def to_question(engine: NarrativeEngine, lang: str = "en", pick: int = 0) -> Turn:
    variables = signature_vars(lang)
    turn = engine.begin(STORY, variables)
    turn = engine.choose(STORY, turn.state, turn.token, pick, variables)
    turn = engine.choose(STORY, turn.state, turn.token, 0, variables)
    assert turn.ask == "why"
    return turn


@pytest.mark.parametrize(
    ("text", "lang", "reaction"),
    [
        ("I love this house, it makes me so happy", "en", "right reasons"),
        ("Me siento muy triste y sola desde hace meses", "es", "Cargas con algo pesado"),
        ("42", "en", "Numbers and noise"),
        ("¿Y tú quién eres?", "es", "Respondes a una pregunta con otra"),
        ("Curiosity", "en", "Few words"),
    ],
)
def test_the_reaction_follows_what_the_player_wrote(
    good: NarrativeEngine, text: str, lang: str, reaction: str
) -> None:
    asked = to_question(good, lang)
    answered = good.answer(STORY, asked.state, signature_vars(lang), text)
    assert reaction in answered.passages[0]
    switched = good.resume(STORY, answered.state, signature_vars("es" if lang == "en" else "en"))
    assert switched.scene == answered.scene and switched.passages != answered.passages
    back = good.resume(STORY, switched.state, signature_vars(lang))
    assert back.passages == answered.passages, "a /lang re-shows the same reaction"


def test_the_players_words_come_back_later(good: NarrativeEngine) -> None:
    variables = signature_vars("en", resonance=0.5)
    asked = to_question(good)
    turn = good.answer(
        STORY, asked.state, variables, "I wanted to see the mirrors with my own eyes"
    )
    while turn.chapter < 3:
        turn = good.choose(STORY, turn.state, turn.token, 0, variables)
    assert (
        '"You said: I wanted to see the mirrors with my own eyes. I remembered."'
        in (turn.passages[0])
    )


def test_answer_readings() -> None:
    assert read_answer("42").kind == "offtopic"
    assert read_answer("asdfgh qwrtp").kind == "offtopic"
    assert read_answer("...").kind == "offtopic"
    assert read_answer("¿Por qué quieres saberlo?", "es").kind == "question"
    assert read_answer("No idea", "en").kind == "short"
    assert read_answer("holaaaa, qué tal estás hoy", "es").kind != "offtopic"
    assert read_answer("I was afraid at first but now I am happy to be here", "en").polarity == (
        "mixed"
    )
    assert read_answer("I hate this, stop playing games with me", "en").polarity == "negative"
    long = "word " * 40
    cut = quote(long)
    assert len(cut) <= QUOTE_MAX_CHARS and cut.endswith("word…")
    assert quote("line one\nline two") == "line one line two"


def test_a_title_line_is_bold(good: NarrativeEngine) -> None:
    turn = good.begin(STORY, signature_vars("es"))
    assert turn.titles == ("Capítulo 1 · La puerta",)
    message = render_turn(turn, 5, "es")[0]
    assert message["text"].startswith("Capítulo 1 · La puerta\n")
    assert message["entities"] == [
        {"type": "bold", "offset": 0, "length": telegram_length("Capítulo 1 · La puerta")}
    ]


def _to_gate(engine: NarrativeEngine, resonance: float) -> Turn:
    variables = signature_vars("en", resonance=resonance)
    turn = to_question(engine)
    turn = engine.choose(STORY, turn.state, turn.token, 1, variables)  # say nothing
    while not turn.gates and turn.chapter < 3:
        turn = engine.choose(STORY, turn.state, turn.token, 0, variables)
    return turn


def test_a_resonance_gate_says_how_close_the_player_is_and_what_helps(
    good: NarrativeEngine,
) -> None:
    turn = _to_gate(good, 0.12)
    assert turn.gates == ("resonance:0.3",)
    text = render_turn(turn, 5, "en", resonance=0.12)[-1]["text"]
    assert "Resonance 12% of the 30% this door needs" in text
    assert "coming back on another day" in text
    spanish = render_turn(turn, 5, "es", resonance=0.12)[-1]["text"]
    assert "Resonancia 12% de los 30%" in spanish and "volver otro día" in spanish
    assert _to_gate(good, 0.31).chapter == 3, "enough resonance opens it"


def test_a_vip_gate_says_what_opens_it_and_a_sig_choice_is_marked(good: NarrativeEngine) -> None:
    variables = signature_vars("en", resonance=0.5, arch_explorer=0.5)
    turn = to_question(good)
    turn = good.choose(STORY, turn.state, turn.token, 1, variables)  # say nothing
    while turn.chapter < 3:
        turn = good.choose(STORY, turn.state, turn.token, 0, variables)
    buttons = [
        row[0]["text"] for row in render_turn(turn, 5, "en")[-1]["reply_markup"]["inline_keyboard"]
    ]
    assert buttons[0].startswith("✦ Because you notice things")
    assert not buttons[1].startswith("✦")
    turn = good.choose(STORY, turn.state, turn.token, 1, variables)
    assert turn.gates == ("vip",)
    last = render_turn(turn, 5, "en")[-1]
    assert "This door opens for VIP members" in last["text"]
    assert ["⭐ Become VIP"] in [
        [b["text"] for b in row] for row in last["reply_markup"]["inline_keyboard"]
    ]


def test_a_finished_chapter_replays_with_the_storys_memory(good: NarrativeEngine) -> None:
    variables = signature_vars("en", resonance=0.5)
    turn = good.begin(STORY, variables)
    turn = good.choose(STORY, turn.state, turn.token, 1, variables)  # listen: trust + 1
    turn = good.choose(STORY, turn.state, turn.token, 0, variables)
    turn = good.answer(STORY, turn.state, variables, "I love this house, it makes me so happy")
    assert any(e.kind == "reward" for e in turn.effects)
    while turn.chapter < 3:
        turn = good.choose(STORY, turn.state, turn.token, 0, variables)
    replay = good.begin_chapter(STORY, turn.state, 2, variables, seed="9")
    assert replay.chapter == 2 and replay.scene == "2_01" and not replay.replayed
    assert "You listened" in replay.passages[0], "trust from chapter 1 is kept"
    assert replay.token != turn.token
    again = good.begin_chapter(STORY, turn.state, 1, variables, seed="9")
    step = good.choose(STORY, again.state, again.token, 0, variables)
    assert step.scene == "1_02"
