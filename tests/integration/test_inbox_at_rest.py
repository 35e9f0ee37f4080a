"""While a player plays, no file under the data dir holds the player's words in plaintext:
the inbox (and its WAL) stores updates encrypted, in the bot's process and in the webhook
process alike (both use the same keys)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.integration.harness import Emu, RunningBot, bot_settings

SECRET_WORDS = "echo de menos a mi abuela Rosario"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("mode", ["polling", "webhook_process"])
def test_no_file_holds_a_players_words_in_plaintext(emu: Emu, tmp_path: Path, mode: str) -> None:
    data = tmp_path / "data"
    bot = RunningBot(bot_settings(data, emu.url, mode)).start()
    try:
        player = emu.player(9_901, "Ana", "es")
        player.send("/start")
        player.wait_buttons()
        for n in range(3):
            player.send(f"{SECRET_WORDS} {n}")
            player.wait_for(lambda ms: len(ms) > 0)
        inbox_files = [p for p in _files(data) if p.name.startswith("inbox.sqlite3")]
        assert inbox_files, "the inbox is under the data dir"
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # while the bot runs: WAL files included
            for path in inbox_files:
                assert SECRET_WORDS.encode() not in path.read_bytes(), path.name
            time.sleep(0.2)
    finally:
        bot.stop()
    holding = [p.name for p in _files(data) if SECRET_WORDS.encode() in p.read_bytes()]
    assert holding == [], "after the bot stopped, no data file holds the words"
