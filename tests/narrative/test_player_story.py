"""The player's side of the story: answers without a generic acknowledgement, the Spanish
address asked once, /chapters replay paying nothing twice, and one i18n table for both
languages. Real logic and records DB (tests.economy.world) on the fixture story."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.economy.world import T0, World, world_settings
from yabot import i18n

GOOD = Path(__file__).parent / "fixtures" / "good" / "good.ink"


@pytest.fixture
def world(tmp_path: Path, inkjs: Callable[[str, Path], str]) -> Iterator[World]:
    stories = tmp_path / "stories"
    (stories / "good" / "compiled").mkdir(parents=True)
    compiled = inkjs(GOOD.read_text("utf-8"), tmp_path)
    (stories / "good" / "compiled" / "good.json").write_text(compiled, "utf-8")
    w = World(
        world_settings(
            tmp_path / "data",
            YABOT_STORY__STORIES_DIR=str(stories),
            YABOT_STORY__STORY="good",
        )
    )
    yield w
    w.close()


def buttons(world: World, user: int) -> list[tuple[str, str]]:
    """The buttons of the latest message that has some."""
    sent = [r for r in world.sent[user] if r.method == "sendMessage"]
    last = [r for r in sent if r.params.get("reply_markup")][-1]
    rows = last.params["reply_markup"]["inline_keyboard"]
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def press_text(world: World, user: int, text: str, at: float) -> None:
    data = next(d for t, d in buttons(world, user) if t == text or t.endswith(text))
    world.press(user, data, at)


def test_spanish_asks_once_how_to_address_the_player(world: World) -> None:
    world.message(1, "/lang es", T0)
    assert world.texts(1)[-1] == i18n.t("address_ask", "es")
    assert [t for t, _ in buttons(world, 1)] == [
        i18n.t(f"address_{a}", "es") for a in ("f", "m", "n")
    ]
    world.press(1, "m:addr:f", T0 + 1)
    assert world.state(1).address == "f"
    assert i18n.t("address_set_f", "es") in world.texts(1)
    world.message(1, "/start", T0 + 2)
    assert i18n.t("address_ask", "es") not in world.texts(1)[-3:], "asked once"
    world.message(1, "/lang es m", T0 + 3)
    assert world.state(1).address == "m"


def test_lang_with_an_address_confirms_the_address(world: World) -> None:
    """`/lang es f` switched to Spanish and set the address silently: the player was told
    only the language, never how the story would address them."""
    world.message(2, "/lang es f", T0)
    assert world.state(2).address == "f"
    assert i18n.t("address_set_f", "es") in world.texts(2)
    assert i18n.t("address_ask", "es") not in world.texts(2), "nothing left to ask"


def test_lang_takes_language_names_and_never_toggles_on_a_word_it_does_not_know(
    world: World,
) -> None:
    """A Spanish player typing "/lang spanish" was switched to English (an unknown word
    toggled the language)."""
    world.message(5, "/lang es n", T0)
    assert world.state(5).language == "es"
    world.message(5, "/lang spanish", T0 + 1)
    assert world.state(5).language == "es"
    world.message(5, "/lang Castellano", T0 + 2)
    assert world.state(5).language == "es"
    world.message(5, "/lang klingon", T0 + 3)
    assert world.state(5).language == "es"
    assert world.texts(5)[-1] == i18n.t("lang_usage", "es")
    world.message(5, "/lang English", T0 + 4)
    assert world.state(5).language == "en"
    world.message(5, "/lang", T0 + 5)
    assert world.state(5).language == "es", "no word still toggles"


def test_an_answer_gets_the_characters_reaction_and_no_generic_note(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.message(2, "/start", T0)
    press_text(world, 2, "Knock", T0 + 10)
    press_text(world, 2, "Wait", T0 + 20)
    secret = "I came because my sister Rosalind vanished and I miss her terribly, it hurts"
    world.message(2, secret, T0 + 30)
    texts = world.texts(2)
    assert not any("takes note" in t for t in texts)
    assert texts[-1].startswith('"You carry something heavy," the voice says softly.')
    out = capsys.readouterr()
    assert "Rosalind" not in out.out + out.err, "the player's words stay out of logs"
    assert world.state(2).story.question is None


def test_finished_chapters_replay_without_paying_twice(world: World) -> None:
    world.message(3, "/start", T0)
    world.message(3, "/chapters", T0 + 1)
    assert world.texts(3)[-1] == i18n.t("chapters_none", "en")
    press_text(world, 3, "Listen first", T0 + 10)
    press_text(world, 3, "Wait", T0 + 20)
    world.message(3, "I love this house and I am happy here", T0 + 30)
    balance = world.state(3).economy.balance
    assert balance == 5, "the reaction scene rewards 5 besitos once"
    press_text(world, 3, "Go on", T0 + 40)
    assert world.state(3).story.chapter == 2
    world.message(3, "/chapters", T0 + 50)
    assert world.texts(3)[-1] == i18n.t("chapters_title", "en")
    assert buttons(world, 3) == [("Replay chapter 1", "m:ch:1")]
    world.press(3, "m:ch:1", T0 + 60)
    assert world.state(3).story.chapter == 1
    assert world.texts(3)[-1].startswith("Chapter 1 · The Door")
    press_text(world, 3, "Listen first", T0 + 70)
    press_text(world, 3, "Wait", T0 + 80)
    world.message(3, "Still happy to be here, truly", T0 + 90)
    story_rewards = [r for r in world.state(3).economy.recent if r[1] == "story reward"]
    assert len(story_rewards) == 1, "no story reward twice for a replayed scene"
    world.press(3, "m:ch:7", T0 + 100)
    assert world.texts(3)[-1] == i18n.t("chapters_unknown", "en")


def test_the_title_is_bold_in_the_chat(world: World) -> None:
    world.message(4, "/start", T0)
    story = [r for r in world.sent[4] if r.method == "sendMessage"][-1].params
    assert story["text"].startswith("Chapter 1 · The Door")
    assert story["entities"][0] == {"type": "bold", "offset": 0, "length": 20}


def test_every_text_has_both_languages() -> None:
    missing = [
        (key, lang)
        for key in i18n.text_keys()
        for lang in i18n.LANGUAGES
        if not i18n.variants(key).get(lang, "").strip()
    ]
    assert not missing
    spanish = " ".join(i18n.variants(key)["es"] for key in i18n.text_keys())
    for masculine in ("Bienvenido", "bienvenido", "listo ", "preparado"):
        assert masculine not in spanish.replace("(listo)", ""), masculine


def test_a_count_of_one_takes_the_singular_in_both_languages() -> None:
    one = i18n.t("daily_granted", "en", amount=5, streak=1, balance=5)
    assert "Streak: 1 day." in one
    assert "Streak: 2 days." in i18n.t("daily_granted", "en", amount=5, streak=2, balance=5)
    assert "1 escena leída" in i18n.t("profile_progress", "es", c=1, s=1, b=0, tier="")
    assert "0 escenas leídas" in i18n.t("profile_progress", "es", c=1, s=0, b=0, tier="")
    for key in i18n.text_keys():
        for text in i18n.variants(key).values():
            assert "(s)" not in text, (key, text)


def test_a_resonance_gate_says_how_close_and_opens_after_days_of_play(world: World) -> None:
    world.message(5, "/start", T0)
    press_text(world, 5, "Knock", T0 + 10)
    press_text(world, 5, "Wait", T0 + 20)
    world.message(5, "I came because I love old houses and I hope to find a friend here", T0 + 30)
    press_text(world, 5, "Go on", T0 + 40)
    press_text(world, 5, "Step in", T0 + 50)
    gate = world.texts(5)[-1]
    assert "A second door is cold to the touch." in gate
    assert "🔒 Resonance " in gate and "% of the 30% this door needs." in gate, gate
    assert i18n.t("gate_resonance_help", "en") in gate
    day, at = 0, T0 + 60
    while "🔒" in world.texts(5)[-1]:
        day += 1
        assert day <= 7, "a daily player gets past the gate within a week"
        at = T0 + day * 86_400
        press_text(world, 5, "Try the door again", at)
    assert world.texts(5)[-1].startswith("Chapter 3 · The Garden")
    assert world.state(5).signature.resonance >= 0.3
