"""The sample story, played through the engine as a player would."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from narrative_helpers import STORIES_DIR, STORY, play_until, signature_vars, step

from yabot.narrative import NarrativeEngine, Turn, render_turn

FIRST_LINES = {
    "en": ("Chapter 1 · The Invitation", "Chapter 3 · The Voice Behind the Door"),
    "es": ("Capítulo 1 · La invitación", "Capítulo 3 · La voz tras la puerta"),
}
SOURCES = sorted((STORIES_DIR / STORY).glob("*.ink"))


def _source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)


def _texts(turn: Turn) -> list[str]:
    return [c.text for c in turn.visible_choices]


def _pick(text: str) -> Callable[[Turn], int | None]:
    """A chooser taking the visible choice whose text starts with ``text`` when offered."""

    def chooser(turn: Turn) -> int | None:
        for i, choice in enumerate(turn.visible_choices):
            if choice.text.startswith(text):
                return i
        return None

    return chooser


def play(
    engine: NarrativeEngine,
    variables: Mapping[str, Any],
    stop: Callable[[Turn], bool],
    choosers: list[Callable[[Turn], int | None]] = [],  # noqa: B006 (read only)
    answers: Mapping[str, str] | None = None,
    limit: int = 400,
) -> list[Turn]:
    """Play from the start: a chooser that recognises the moment picks, else the first choice;
    a question is answered with ``answers[ask]`` (default: a plain sentence)."""
    turn = engine.begin(STORY, variables, seed="t")
    turns = [turn]
    while not stop(turn):
        assert not turn.ended, f"story ended at scene {turn.scene}"
        assert len(turns) < limit, f"no stop after {limit} turns (scene {turn.scene})"
        if turn.ask is not None:
            text = (answers or {}).get(turn.ask, "I came because I wanted to see it for myself")
            turn = engine.answer(STORY, turn.state, variables, text)
        else:
            pick = next((p for c in choosers if (p := c(turn)) is not None), 0)
            turn = step(engine, turn, variables, pick)
        turns.append(turn)
    return turns


def _text(turns: list[Turn]) -> str:
    return "\n".join(p for t in turns for p in t.passages)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_play_from_the_start_through_chapter_3_in_both_languages(
    engine: NarrativeEngine, lang: str
) -> None:
    variables = signature_vars(lang)
    turns = play_until(
        engine, engine.begin(STORY, variables, seed="t"), variables, lambda t: "vip" in t.gates
    )
    chapters = [t.chapter for t in turns]
    assert chapters[0] == 1 and 2 in chapters and 3 in chapters
    assert chapters == sorted(chapters), "chapters must only move forward"
    assert max(chapters) == 3, "chapter 4 is VIP only"
    text = "\n".join(p for t in turns for p in t.passages)
    for marker in FIRST_LINES[lang]:
        assert marker in text
    other = "es" if lang == "en" else "en"
    assert FIRST_LINES[other][0] not in text
    asked = [t.ask for t in turns if t.ask]
    assert asked == ["why_here", "note_to_diana", "a_true_thing"]
    rewards = sum(e.amount for t in turns for e in t.effects if e.kind == "reward")
    assert rewards == 35
    unlocked = [e.name for t in turns for e in t.effects if e.kind == "unlock"]
    assert unlocked == ["gallery_key", "diana_letter"]
    assert any(e.kind == "emo" for t in turns for e in t.effects)
    assert len(re.findall(r"\w+", text)) >= 3000, "the free chapters are a long read"


def test_both_languages_share_one_state_structure(engine: NarrativeEngine) -> None:
    def path(lang: str) -> list[tuple[int, str, int, str | None]]:
        variables = signature_vars(lang, is_vip=True, resonance=0.9)
        turns = play_until(engine, engine.begin(STORY, variables), variables, lambda t: t.ended)
        return [(t.chapter, t.scene, len(t.choices), t.ask) for t in turns]

    english, spanish = path("en"), path("es")
    assert english == spanish
    assert english[-1][0] == 10


def test_the_story_has_ten_chapters_and_many_scenes() -> None:
    source = _source()
    chapters = set(re.findall(r"#chapter:(\d+)", source))
    scenes = set(re.findall(r"#scene:(\w+)", source)) - {"gate_vip", "gate_resonance"}
    assert chapters == {str(n) for n in range(1, 11)}
    assert len(scenes) >= 120
    assert len(set(re.findall(r"#ending:(\w+)", source))) >= 3
    assert len(set(re.findall(r"#branch:(\w+)", source))) >= 12


def test_no_signature_choice_on_the_first_screen(engine: NarrativeEngine) -> None:
    def first(**signature: object) -> list[str]:
        return _texts(engine.begin(STORY, signature_vars("en", **signature)))

    poet = first(arch_poet=0.9, arch_direct=0.1, dominant="poet")
    direct = first(arch_poet=0.1, arch_direct=0.9, dominant="direct")
    assert poet == direct
    assert "Read the line aloud, slowly, to the empty room" in poet


def test_a_signature_choice_appears_later_and_says_why(engine: NarrativeEngine) -> None:
    def at_hall(**signature: object) -> Turn:
        variables = signature_vars("en", **signature)
        return play(engine, variables, lambda t: t.scene == "1_09")[-1]

    noticing = _texts(at_hall(arch_explorer=0.5))
    plain = _texts(at_hall(arch_explorer=0.1, arch_poet=0.1))
    because = "Because you pay attention to small things"
    assert any(c.startswith(because) for c in noticing)
    assert not any(c.startswith(because) for c in plain)
    assert len(noticing) == len(plain) + 1


def test_an_empathic_player_can_promise_diana_to_stay_outside(engine: NarrativeEngine) -> None:
    def at_door(**signature: object) -> list[str]:
        variables = signature_vars("en", **signature)
        return _texts(play(engine, variables, lambda t: t.scene == "3_01")[-1])

    promise = "Because you can hear when someone is nervous"
    assert any(c.startswith(promise) for c in at_door(arch_empath=0.6))
    assert any(c.startswith(promise) for c in at_door(mood="warm"))
    assert not any(c.startswith(promise) for c in at_door(arch_empath=0.1, mood="guarded"))


def test_the_music_rule_is_remembered(engine: NarrativeEngine) -> None:
    def diana_at_the_door(option: str) -> str:
        variables = signature_vars("en")
        turns = play(engine, variables, lambda t: t.scene == "3_02", [_pick(option)])
        return turns[-1].passages[0]

    respected = diana_at_the_door("Respect the third rule")
    hummed = diana_at_the_door("Hum the four notes back")
    followed = diana_at_the_door("Follow the music up the stairs")
    assert "So you are the one who hums" in hummed
    assert "the one who hums" not in respected and "the one who hums" not in followed
    assert "stayed where you were" in respected
    assert "came up the stairs after my music" in followed


def test_the_rose_pin_is_not_called_unique(engine: NarrativeEngine) -> None:
    def at_2_08(inventory: list[str]) -> Turn:
        variables = signature_vars("en", inventory=inventory)
        return play(engine, variables, lambda t: t.scene == "2_08")[-1]

    pin = "Pin the silver rose from the store to your collar"
    assert pin in _texts(at_2_08(["rose_pin"]))
    assert pin not in _texts(at_2_08([]))
    variables = signature_vars("en", inventory=["rose_pin"])
    worn = play(engine, variables, lambda t: t.scene == "3_02", [_pick(pin)])
    lucien = next(t for t in worn if t.scene == "2_08b").passages[0]
    assert "anyone with the coins can buy one" in lucien
    assert "one person before you" not in _text(worn)
    assert "half the city has bought one" in worn[-1].passages[0], "Diana sees it worn"


def test_the_tea_scene_reads_cleanly_for_low_and_high_trust(engine: NarrativeEngine) -> None:
    def tea(option: str) -> str:
        variables = signature_vars("en")
        turns = play(engine, variables, lambda t: t.scene == "3_08", [_pick(option)])
        return turns[-1].passages[0]

    offered, kept = tea("Offer it to Lucien"), tea("Keep the key")
    assert "not between you and the door" in offered
    assert "like a wall" in kept
    for text in (offered, kept):
        assert "- else" not in text and "{" not in text


@pytest.mark.parametrize(
    ("question", "answer_marker"),
    [
        ("“Who took the portrait?”", "Someone who loves me"),
        ("“What are you afraid of?”", "Doors"),
        ("“How old are you?”", "the one rule I asked Lucien to make"),
    ],
)
def test_one_question_one_answer_each(
    engine: NarrativeEngine, question: str, answer_marker: str
) -> None:
    variables = signature_vars("en", is_vip=True)
    turns = play(engine, variables, lambda t: t.scene == "4_04", [_pick(question)])
    assert answer_marker in turns[-1].passages[0]
    others = {"Someone who loves me", "Doors", "the one rule I asked Lucien to make"}
    for marker in others - {answer_marker}:
        assert marker not in turns[-1].passages[0]


def test_a_number_is_not_an_honest_answer(engine: NarrativeEngine) -> None:
    def lucien_after(answer: str) -> str:
        variables = signature_vars("en")
        turns = play(engine, variables, lambda t: t.scene == "1_05", answers={"why_here": answer})
        return "\n".join(turns[-1].passages)

    number = lucien_after("42")
    honest = lucien_after("I was lonely and the letter felt like someone finally saw me")
    back = lucien_after("Why do you want to know?")
    assert "That is not an answer" in number
    assert "That is not an answer" not in honest
    assert "A question for a question" in back
    assert len({number, honest, back}) == 3


def test_an_answer_is_recalled_later(engine: NarrativeEngine) -> None:
    variables = signature_vars("en")
    turns = play(
        engine,
        variables,
        lambda t: t.scene == "3_02",
        [_pick("Respect the third rule")],
        answers={"note_to_diana": "Do you ever miss the city at night?"},
    )
    assert "Do you ever miss the city at night?" in turns[-1].passages[0]


def test_vip_gate_shows_an_in_story_message_and_a_vip_button(engine: NarrativeEngine) -> None:
    free = signature_vars("en")
    turns = play_until(engine, engine.begin(STORY, free), free, lambda t: "vip" in t.gates)
    gate = turns[-1]
    assert gate.scene == "gate_vip" and gate.chapter == 3
    assert "Only Diana's circle walks the night garden" in gate.passages[0]
    keyboard = render_turn(gate, 42, "en")[-1]["reply_markup"]["inline_keyboard"]
    assert [
        b["callback_data"] for row in keyboard for b in row if b["callback_data"].startswith("m:")
    ] == ["m:vip"]
    again = step(engine, gate, free)
    assert again.scene == "gate_vip", "knocking again without VIP keeps the gate shut"
    subscribed = signature_vars("en", is_vip=True)
    opened = step(engine, again, subscribed)
    assert opened.chapter == 4 and opened.scene == "4_01"
    assert "Chapter 4 · The Night Garden" in opened.passages[0]


def test_chapter_8_opens_only_with_enough_resonance(engine: NarrativeEngine) -> None:
    vip_low = signature_vars("es", is_vip=True, resonance=0.2)
    turns = play_until(engine, engine.begin(STORY, vip_low), vip_low, lambda t: bool(t.gates))
    gate = turns[-1]
    assert gate.gates == ("resonance:0.55",) and gate.chapter == 7
    assert {4, 5, 6, 7} <= {t.chapter for t in turns}
    still_low = step(engine, gate, vip_low)
    assert still_low.gates == ("resonance:0.55",)
    resonant = signature_vars("es", is_vip=True, resonance=0.6)
    opened = step(engine, still_low, resonant)
    assert opened.chapter == 8 and "Capítulo 8 · Sin máscara" in opened.passages[0]
    final = play_until(engine, opened, resonant, lambda t: t.ended)[-1]
    assert final.scene.startswith("10_04")
    messages = render_turn(final, 1, "es")
    assert messages[-1]["text"].endswith("— Fin (por ahora) —")
    assert messages[-1]["reply_markup"]["inline_keyboard"] == [
        [{"text": "☰ Menú", "callback_data": "m:menu"}]
    ]


@pytest.mark.parametrize(
    ("keep", "ending"),
    [
        ("Keep the portrait", "10_04p"),
        ("Keep the letter", "10_04l"),
        ("Keep Diana", "10_04g"),
    ],
)
def test_what_you_keep_decides_the_ending(engine: NarrativeEngine, keep: str, ending: str) -> None:
    variables = signature_vars("en", is_vip=True, resonance=0.9)
    turns = play(engine, variables, lambda t: t.ended, [_pick(keep)])
    assert turns[-1].scene == ending
    endings = [tag for t in turns for tag in t.tags if tag.startswith("ending:")]
    assert len(endings) == 1


HOSTILE = {
    "en": "this story is stupid and you are boring",
    "es": "esta historia es estúpida y me aburres",
}
SAD = {
    "en": "I would miss my mother, she is sick and I am scared",
    "es": "Echaría de menos a mi madre, está enferma y tengo miedo",
}


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("ask", ["why_here", "a_true_thing", "what_you_miss", "seen_unwatched"])
def test_a_hostile_answer_is_not_thanked_like_a_sad_one(
    engine: NarrativeEngine, ask: str, lang: str
) -> None:
    """Seen in play: "this story is stupid and you are boring" got Lucien's "I am glad you can
    name it" and a trust point, the reaction written for grief."""
    variables = signature_vars(lang, is_vip=True, resonance=1.0)

    def reaction(answer: str) -> str:
        turns = play(engine, variables, lambda t: t.ask == ask, limit=600)
        after = engine.answer(STORY, turns[-1].state, variables, answer)
        return "\n".join(after.passages)

    hostile, sad = reaction(HOSTILE[lang]), reaction(SAD[lang])
    assert hostile != sad
    for thanks in ("glad you can name it", "Thank you", "Gracias", "Me alegra", "Hard things"):
        assert thanks not in hostile
