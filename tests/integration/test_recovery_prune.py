"""Start-up recovery covers inbox entries that a durable snapshot already holds."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.integration.harness import Emu, RunningBot, bot_settings
from yabot.storage.inbox import INBOX_FILE_NAME, open_inbox


def test_entries_a_lost_prune_left_uncovered_are_covered_at_the_next_start(
    emu: Emu, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    settings = bot_settings(data, emu.url, "polling")
    bot = RunningBot(settings).start()
    try:
        player = emu.player(631, "Ana", "en")
        player.send("/start")
        player.wait_buttons()
        player.send("/profile")
        player.wait_for(lambda ms: len(ms) > 0)
    finally:
        bot.stop()  # passivation: the player's snapshot is durable and prunes the inbox

    # As if the process had died between the snapshot's commit and the prune's.
    with sqlite3.connect(data / INBOX_FILE_NAME) as conn:
        lost = conn.execute("UPDATE entries SET covered = 0 WHERE user_id = 631").rowcount
    assert lost >= 2
    inbox = open_inbox(settings)
    try:
        assert inbox.pending_users() == [631]

        bot = RunningBot(bot_settings(data, emu.url, "polling")).start()
        try:
            deadline = time.monotonic() + 10
            while inbox.pending_users():
                assert time.monotonic() < deadline, "the recovered player's entries stay pending"
                time.sleep(0.05)
            assert inbox.count() == 0
            player.send("/profile")
            assert player.wait_for(lambda ms: len(ms) > 0), "the recovered player plays on"
        finally:
            bot.stop()
    finally:
        inbox.close()
