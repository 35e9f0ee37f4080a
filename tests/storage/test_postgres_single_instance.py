"""The whole bot on ``storage.backend = "postgres"`` (one instance, no cluster): a player plays
through the emulator, the records, replies and snapshots land in PostgreSQL (none in local
files), and the restarted bot continues the story exactly from PostgreSQL's snapshot.

The inbox stays a local SQLite file until the cluster's PostgreSQL inbox lands: its arrival
``seq`` numbers are what a snapshot says it covers, so the restart keeps the data directory.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.integration.harness import Emu, RunningBot, bot_settings


def test_a_player_continues_from_postgres_after_a_restart(
    emu: Emu, tmp_path: Path, pg_dsn: str
) -> None:
    env = {
        "YABOT_STORAGE__BACKEND": "postgres",
        "YABOT_STORAGE__POSTGRES_DSN": pg_dsn,
        # Instances sharing the database share the key (a local key file would not be shared).
        "YABOT_SECURITY__ENCRYPTION_KEYS": "x2VnH0rC2O3u8xRk5i8gqJ2s0yRkq3b8T2v3M6G8f9E=",
    }
    bot = RunningBot(bot_settings(tmp_path / "first", emu.url, "polling", **env)).start()
    player = emu.player(611, "Ana", "en")
    try:
        player.send("/start")
        for _ in range(2):
            scene = [m for m in player.wait_buttons() if m.get("buttons")][-1]
            player.press(scene["message_id"], scene["buttons"][0][0]["callback_data"])
        before = [m for m in player.wait_buttons() if m.get("buttons")][-1]
    finally:
        bot.stop()
    assert not list((tmp_path / "first").glob("records.db*")), "no SQLite records"
    assert not list((tmp_path / "first").glob("snapshots*")), "no SQLite snapshots"
    with psycopg.connect(pg_dsn) as conn:
        profiles = conn.execute("SELECT user_id, first_name FROM profiles").fetchall()
        assert profiles == [(611, "Ana")]
        snapshot = conn.execute("SELECT version FROM snapshots WHERE key = 'user:611'").fetchone()
        assert snapshot is not None and snapshot[0] >= 1
        unsent = conn.execute("SELECT count(*) FROM replies WHERE sent_at IS NULL").fetchone()
        assert unsent == (0,), "every reply Telegram took is marked sent"

    bot = RunningBot(bot_settings(tmp_path / "first", emu.url, "polling", **env)).start()
    try:
        again = [m for m in player.say("/story") if m.get("buttons")][-1]
        assert again["text"] == before["text"], "the same moment, restored from PostgreSQL"
        player.press(again["message_id"], again["buttons"][0][0]["callback_data"])
        nxt = [m for m in player.wait_buttons() if m.get("buttons")][-1]
        assert nxt["text"] != before["text"]
    finally:
        bot.stop()
