"""A player's story survives a restart: restored from the snapshot, they continue exactly."""

from __future__ import annotations

from pathlib import Path

from tests.integration.harness import Emu, RunningBot, bot_settings


def test_player_continues_exactly_after_restart(emu: Emu, tmp_path: Path) -> None:
    settings = bot_settings(tmp_path / "data", emu.url, "polling")
    bot = RunningBot(settings).start()
    player = emu.player(601, "Ana", "en")
    player.send("/start")
    for _ in range(3):
        scene = [m for m in player.wait_buttons() if m.get("buttons")][-1]
        player.press(scene["message_id"], scene["buttons"][0][0]["callback_data"])
    before = [m for m in player.wait_buttons() if m.get("buttons")][-1]
    bot.stop()
    snapshots = list((tmp_path / "data").glob("snapshots*"))
    assert snapshots, "a snapshot was written on shutdown"

    bot = RunningBot(bot_settings(tmp_path / "data", emu.url, "polling")).start()
    try:
        again = [m for m in player.say("/story") if m.get("buttons")][-1]
        assert again["text"] == before["text"], "the same moment is shown after the restart"
        assert [b["text"] for r in again["buttons"] for b in r] == [
            b["text"] for r in before["buttons"] for b in r
        ]
        player.press(again["message_id"], again["buttons"][0][0]["callback_data"])
        nxt = [m for m in player.wait_buttons() if m.get("buttons")][-1]
        assert nxt["text"] != before["text"], "the story moves on from where it was"
    finally:
        bot.stop()
