"""Idle players' states are packed in memory and come back whole for the next turn."""

from __future__ import annotations

import time
from pathlib import Path

from tests.integration.harness import Emu, RunningBot, bot_settings
from yabot.player.actor import PACKS, UNPACKS


def _buttons(messages: list[dict]) -> dict:
    return [m for m in messages if m.get("buttons")][-1]


def test_an_idle_players_state_is_packed_and_the_story_goes_on(emu: Emu, tmp_path: Path) -> None:
    bot = RunningBot(bot_settings(tmp_path / "data", emu.url, "polling")).start()
    try:
        bot.runtime().effects.pack_idle_s = 0.3
        player = emu.player(711, "Ana", "en")
        player.send("/start")
        for _ in range(3):
            scene = _buttons(player.wait_buttons())
            player.press(scene["message_id"], scene["buttons"][0][0]["callback_data"])
        before = _buttons(player.wait_buttons())
        packs, unpacks = PACKS._value.get(), UNPACKS._value.get()
        deadline = time.monotonic() + 10
        while PACKS._value.get() == packs and time.monotonic() < deadline:
            time.sleep(0.05)
        assert PACKS._value.get() > packs, "the idle player's state was packed"
        player.send("/story")
        again = _buttons(player.wait_buttons())
        assert again["text"] == before["text"], "the same moment after unpacking"
        assert UNPACKS._value.get() > unpacks
        player.press(again["message_id"], again["buttons"][0][0]["callback_data"])
        after = _buttons(player.wait_buttons())
        assert after["text"] != before["text"], "the story moves on"
        time.sleep(1.0)  # packed again, with a transition not yet in a snapshot
    finally:
        bot.stop()
    bot = RunningBot(bot_settings(tmp_path / "data", emu.url, "polling")).start()
    try:
        player.send("/story")
        resumed = _buttons(player.wait_buttons())
        assert resumed["text"] == after["text"], "shutdown saved the packed state"
    finally:
        bot.stop()
