"""A player's story survives a restart: restored from the snapshot, they continue exactly."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.integration.harness import TOKEN, Emu, RunningBot, bot_settings
from yabot.i18n import t
from yabot.storage.migrations import migrate
from yabot.storage.sqlite_util import connect


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


def test_replies_owed_by_a_bot_before_the_upgrade_are_sent_once(emu: Emu, tmp_path: Path) -> None:
    """A pre-v4 data dir: records.db at v3, two replies still pending in replies.db."""
    data = tmp_path / "data"
    conn = connect(data / "records.db", busy_timeout_ms=1000)
    migrate(conn, target=3)
    conn.close()
    old = connect(data / "replies.db", busy_timeout_ms=1000)
    old.execute(
        "CREATE TABLE replies (id INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_key TEXT NOT NULL "
        "UNIQUE, update_id INTEGER NOT NULL, chat_id INTEGER, method TEXT NOT NULL, "
        "params TEXT NOT NULL)"
    )
    for n in (1, 2):  # update ids of an earlier bot: the emulator's start at 1
        old.execute(
            "INSERT INTO replies (dedupe_key, update_id, chat_id, method, params) "
            "VALUES (?, ?, 602, 'sendMessage', ?)",
            (
                f"{90_000 + n}:0",
                90_000 + n,
                json.dumps({"chat_id": 602, "text": f"owed before the upgrade {n}"}),
            ),
        )
    old.commit()
    old.close()
    player = emu.player(602, "Bea", "en")
    emu.emulator.register_bot(TOKEN).started.add(602)

    bot = RunningBot(bot_settings(data, emu.url, "polling")).start()
    try:
        got = player.wait_for(lambda ms: len(ms) >= 2)
        assert [m["text"] for m in got] == [
            "owed before the upgrade 1",
            "owed before the upgrade 2",
        ]
        player.say("/help")  # and the upgraded bot plays on
    finally:
        bot.stop()
    assert not (data / "replies.db").exists()

    bot = RunningBot(bot_settings(data, emu.url, "polling")).start()
    try:
        player.say("/help")
    finally:
        bot.stop()
    texts = [m["text"] for m in player.messages()]
    assert texts.count("owed before the upgrade 1") == 1, "sent once, not again after a restart"


def test_a_reply_the_bot_could_not_send_before_stopping_is_sent_by_the_next_start(
    emu: Emu, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    settings = bot_settings(data, emu.url, "polling", YABOT_RUNTIME__SHUTDOWN_TIMEOUT_S="2")
    player = emu.player(603, "Cai", "en")
    bot = RunningBot(settings).start()
    try:
        player.say("/start")
        emu.faults(error_5xx_fraction=1.0, methods=["sendMessage"])  # Telegram is down
        update_id = player.send("/help")
        runtime = bot.runtime()
        deadline = time.monotonic() + 15
        while not any(r.update_id == update_id for r in runtime.replies.outbox.pending()):
            assert time.monotonic() < deadline, "the /help reply was never stored"
            time.sleep(0.05)
    finally:
        bot.stop()  # the sender gives up on the reply it could not send
    emu.faults()  # Telegram is back

    bot = RunningBot(bot_settings(data, emu.url, "polling")).start()
    try:
        got = player.wait_for(lambda ms: any(m.get("text") == t("help", "en") for m in ms))
        assert [m["text"] for m in got].count(t("help", "en")) == 1
    finally:
        bot.stop()
