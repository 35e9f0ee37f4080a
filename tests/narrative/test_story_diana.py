"""The sample story, played through the engine as a player would."""

from __future__ import annotations

import re

import pytest
from narrative_helpers import STORIES_DIR, STORY, play_until, signature_vars, step

from yabot.narrative import NarrativeEngine, Turn, render_turn

FIRST_LINES = {
    "en": ("Chapter 1 · The Invitation", "Chapter 3 · The Voice Behind the Door"),
    "es": ("Capítulo 1 · La invitación", "Capítulo 3 · La voz tras la puerta"),
}


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
    assert asked[:2] == ["why_here", "note_to_diana"]
    rewards = sum(e.amount for t in turns for e in t.effects if e.kind == "reward")
    assert rewards == 35
    unlocked = [e.name for t in turns for e in t.effects if e.kind == "unlock"]
    assert unlocked == ["gallery_key", "diana_letter"]
    assert any(e.kind == "emo" for t in turns for e in t.effects)


def test_both_languages_share_one_state_structure(engine: NarrativeEngine) -> None:
    def path(lang: str) -> list[tuple[int, str, int, str | None]]:
        variables = signature_vars(lang, is_vip=True, resonance=0.9)
        turns = play_until(engine, engine.begin(STORY, variables), variables, lambda t: t.ended)
        return [(t.chapter, t.scene, len(t.choices), t.ask) for t in turns]

    english, spanish = path("en"), path("es")
    assert english == spanish
    assert english[-1][0] == 6


def test_the_story_has_six_chapters_and_at_least_60_scenes() -> None:
    source = (STORIES_DIR / STORY / f"{STORY}.ink").read_text(encoding="utf-8")
    chapters = set(re.findall(r"#chapter:(\d+)", source))
    scenes = set(re.findall(r"#scene:(\w+)", source)) - {"gate_vip", "gate_resonance"}
    assert chapters == {"1", "2", "3", "4", "5", "6"}
    assert len(scenes) >= 60


def _first_moment(engine: NarrativeEngine, **signature: object) -> list[str]:
    return [c.text for c in engine.begin(STORY, signature_vars("en", **signature)).visible_choices]


def test_a_choice_exists_for_a_poet_and_not_for_a_direct_player(engine: NarrativeEngine) -> None:
    poet = _first_moment(engine, arch_poet=0.8, arch_direct=0.1, dominant="poet")
    direct = _first_moment(engine, arch_poet=0.1, arch_direct=0.8, dominant="direct")
    verse = "Read the line aloud, slowly, like a verse"
    assert verse in poet
    assert verse not in direct
    assert len(poet) == len(direct) + 1


def test_an_empathic_player_can_ask_lucien_how_he_is(engine: NarrativeEngine) -> None:
    def at_gate(**signature: object) -> Turn:
        variables = signature_vars("en", **signature)
        turn = step(engine, engine.begin(STORY, variables), variables)
        return step(engine, turn, variables)

    empath = at_gate(arch_empath=0.9)
    guarded = at_gate(arch_empath=0.1, mood="guarded")
    assert empath.scene == guarded.scene == "1_03"
    empath_texts = [c.text for c in empath.visible_choices]
    guarded_texts = [c.text for c in guarded.visible_choices]
    assert "You look tired, Lucien. Long night?" in empath_texts
    assert "You look tired, Lucien. Long night?" not in guarded_texts
    assert "Keep your distance from the bars" in guarded_texts


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


def test_chapter_6_opens_only_with_high_resonance(engine: NarrativeEngine) -> None:
    vip_low = signature_vars("es", is_vip=True, resonance=0.4)
    turns = play_until(engine, engine.begin(STORY, vip_low), vip_low, lambda t: bool(t.gates))
    gate = turns[-1]
    assert gate.gates == ("resonance",) and gate.chapter == 5
    assert {4, 5} <= {t.chapter for t in turns}
    still_low = step(engine, gate, vip_low)
    assert still_low.gates == ("resonance",)
    resonant = signature_vars("es", is_vip=True, resonance=0.75)
    opened = step(engine, still_low, resonant)
    assert opened.chapter == 6 and "Capítulo 6 · Sin máscara" in opened.passages[0]
    final = play_until(engine, opened, resonant, lambda t: t.ended)[-1]
    assert final.scene == "6_10"
    messages = render_turn(final, 1, "es")
    assert len(messages) == 1, "the closing line joins the last passage"
    assert messages[0]["text"].endswith("valiente en cada espejo.\n\n— Fin (por ahora) —")
    assert messages[0]["reply_markup"]["inline_keyboard"] == [
        [{"text": "☰ Menú", "callback_data": "m:menu"}]
    ]


def test_an_item_from_the_store_opens_a_choice(engine: NarrativeEngine) -> None:
    def at_2_08(inventory: list[str]) -> Turn:
        variables = signature_vars("en", inventory=inventory)
        turns = play_until(
            engine, engine.begin(STORY, variables), variables, lambda t: t.scene == "2_08"
        )
        return turns[-1]

    assert "Pin the silver rose to your collar" in [
        c.text for c in at_2_08(["rose_pin"]).visible_choices
    ]
    assert "Pin the silver rose to your collar" not in [c.text for c in at_2_08([]).visible_choices]
