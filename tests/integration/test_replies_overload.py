"""A reply the sender refuses because its queue is full is not stuck until a restart."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.integration.harness import Emu, RunningBot, bot_settings
from yabot.player.texts import t


def _overloaded(api_url: str) -> float:
    for line in httpx.get(api_url + "/metrics", timeout=5).text.splitlines():
        if line.startswith('yabot_telegram_sender_rejected_total{reason="overloaded"}'):
            return float(line.split()[-1])
    return 0.0


def test_replies_refused_for_a_full_send_queue_are_sent_once_it_drains(
    emu: Emu, tmp_path: Path
) -> None:
    settings = bot_settings(
        tmp_path / "data", emu.url, "polling", YABOT_TELEGRAM__SEND_QUEUE_LIMIT="1"
    )
    player = emu.player(604, "Dee", "en")
    bot = RunningBot(settings).start()
    try:
        player.say("/help")
        refused_before = _overloaded(bot.api_url)
        emu.faults(latency_ms=300, methods=["sendMessage"])  # a slow Telegram: the queue fills
        for _ in range(4):
            player.send("/help")
        got = player.wait_for(
            lambda ms: [m["text"] for m in ms].count(t("help", "en")) >= 4, timeout=20
        )
        assert [m["text"] for m in got] == [t("help", "en")] * 4
        assert _overloaded(bot.api_url) > refused_before, "the sender did refuse some replies"
    finally:
        emu.faults()
        bot.stop()


def test_a_chat_whose_reply_waits_for_room_keeps_its_replies_in_order(
    emu: Emu, tmp_path: Path
) -> None:
    settings = bot_settings(
        tmp_path / "data", emu.url, "polling", YABOT_TELEGRAM__SEND_QUEUE_LIMIT="1"
    )
    player = emu.player(605, "Eli", "en")
    bot = RunningBot(settings).start()
    try:
        player.say("/help")
        emu.faults(latency_ms=1500, methods=["sendMessage"])
        player.send("/help")  # queued: in flight for 1.5 s
        time.sleep(0.3)
        player.send("/wallet")  # refused (the queue is full): held
        first = player.wait_for(lambda ms: len(ms) >= 1)
        assert [m["text"] for m in first] == [t("help", "en")]
        player.send("/help")  # the queue has room again, but the /wallet reply is older
        got = player.wait_for(lambda ms: len(ms) >= 2, timeout=20)
        texts = [m["text"] for m in got]
        assert len(texts) == 2 and "besitos" in texts[0] and texts[1] == t("help", "en"), texts
    finally:
        emu.faults()
        bot.stop()
