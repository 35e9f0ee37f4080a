"""The whole path: emulator player → ingress → actor → sender → emulator, in both modes."""

from __future__ import annotations

from tests.integration.harness import Emu, RunningBot


def last_with_buttons(messages: list[dict]) -> dict:
    return [m for m in messages if m.get("buttons")][-1]


def test_start_choose_and_commands(bot: RunningBot, emu: Emu) -> None:
    player = emu.player(501, "Ana", "en")
    player.send("/start")
    got = player.wait_buttons()
    assert "Welcome, Ana" in got[0]["text"]
    scene = last_with_buttons(got)
    first = scene["buttons"][0][0]

    pressed = player.press(scene["message_id"], first["callback_data"])
    after = player.wait_buttons()
    assert after, "pressing a choice continues the story"
    assert player.callback_answer(pressed["callback_query_id"])  # the press was answered

    old = player.press(scene["message_id"], first["callback_data"])
    answer = player.callback_answer(old["callback_query_id"])
    assert "passed" in str(answer).lower(), "an old button is answered politely"

    assert "besitos" in player.say("/daily")[0]["text"]
    assert "already claimed" in player.say("/daily")[0]["text"]
    assert "besitos" in player.say("/wallet")[0]["text"].lower()
    assert player.say("/profile")[0]["text"]
    assert "/story" in player.say("hello there")[0]["text"], "unknown text gets a helpful answer"
    assert "/nonsense" in player.say("/nonsense")[0]["text"]


def test_spanish_player_and_lang_switch(bot: RunningBot, emu: Emu) -> None:
    player = emu.player(502, "Luis", "es")
    player.send("/start")
    got = player.wait_buttons()
    assert got[0]["text"].startswith("Te damos la bienvenida"), "neutral Spanish"
    switched = player.say("/lang en")
    assert "English" in switched[0]["text"]
