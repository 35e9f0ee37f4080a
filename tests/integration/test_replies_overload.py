"""A reply the sender refuses because its queue is full is not stuck until a restart, and
its chat's later replies wait behind it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.harness import Emu, Player, RunningBot, bot_settings
from yabot.i18n import t

HELP = t("help", "en")


@pytest.fixture
def one_slot(emu: Emu, tmp_path: Path) -> Iterator[tuple[RunningBot, Player]]:
    """A bot whose sender takes one call at a time, and a player who has said /help."""
    settings = bot_settings(
        tmp_path / "data", emu.url, "polling", YABOT_TELEGRAM__SEND_QUEUE_LIMIT="1"
    )
    player = emu.player(604, "Dee", "en")
    bot = RunningBot(settings).start()
    try:
        player.say("/help")
        yield bot, player
    finally:
        emu.faults()
        bot.stop()


def _overloaded(api_url: str) -> float:
    for line in httpx.get(api_url + "/metrics", timeout=5).text.splitlines():
        if line.startswith('yabot_telegram_sender_rejected_total{reason="overloaded"}'):
            return float(line.split()[-1])
    return 0.0


def test_replies_refused_for_a_full_send_queue_are_sent_once_it_drains(
    emu: Emu, one_slot: tuple[RunningBot, Player]
) -> None:
    bot, player = one_slot
    refused_before = _overloaded(bot.api_url)
    emu.faults(latency_ms=300, methods=["sendMessage"])  # a slow Telegram: the queue fills
    for _ in range(4):
        player.send("/help")
    got = player.wait_for(lambda ms: [m["text"] for m in ms].count(HELP) >= 4, timeout=20)
    assert [m["text"] for m in got] == [HELP] * 4
    assert _overloaded(bot.api_url) > refused_before, "the sender did refuse some replies"


def test_a_chat_whose_reply_waits_for_room_keeps_its_replies_in_order(
    emu: Emu, one_slot: tuple[RunningBot, Player]
) -> None:
    _, player = one_slot
    emu.faults(latency_ms=1500, methods=["sendMessage"])
    player.send("/help")  # queued: in flight for 1.5 s
    time.sleep(0.3)
    player.send("/wallet")  # refused (the queue is full): held
    first = player.wait_for(lambda ms: len(ms) >= 1)
    assert [m["text"] for m in first] == [HELP]
    player.send("/help")  # the queue has room again, but the /wallet reply is older
    got = player.wait_for(lambda ms: len(ms) >= 2, timeout=20)
    texts = [m["text"] for m in got]
    assert len(texts) == 2 and "besitos" in texts[0] and texts[1] == HELP, texts
