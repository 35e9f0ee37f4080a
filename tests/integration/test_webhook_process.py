"""The webhook served by its own process: it dies, it comes back, nothing is lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from prometheus_client import REGISTRY

from tests.integration.harness import Emu, RunningBot, bot_settings
from yabot.config import ConfigError, load_settings
from yabot.storage.inbox import open_inbox
from yabot.storage.records import RecordsDb
from yabot.storage.replies import open_reply_outbox


@pytest.fixture
def split_bot(emu: Emu, tmp_path: Path) -> Iterator[RunningBot]:
    running = RunningBot(bot_settings(tmp_path / "data", emu.url, "webhook_process")).start()
    wait_until(lambda: webhook_child() is not None and ready(running))
    yield running
    running.stop()


def webhook_child() -> psutil.Process | None:
    for child in psutil.Process().children(recursive=True):
        try:
            if "yabot.telegram.webhook_process" in " ".join(child.cmdline()):
                return child
        except psutil.Error:
            continue
    return None


def ready(bot: RunningBot) -> bool:
    checks = httpx.get(bot.api_url + "/readyz", timeout=5).json()["checks"]
    return any(c["name"] == "webhook_process" and c["ok"] for c in checks)


def metric(bot: RunningBot, name: str) -> float:
    for line in httpx.get(bot.api_url + "/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_players_play_while_the_webhook_process_is_killed(split_bot: RunningBot, emu: Emu) -> None:
    player = emu.player(701, "Ana", "en")
    player.send("/start")
    player.wait_buttons()
    time.sleep(0.5)  # every message of the welcome is in
    before = len(player.messages())
    first = webhook_child()
    assert first is not None
    os.kill(first.pid, signal.SIGKILL)
    # Sent while the webhook port is down: the emulator retries delivery like Telegram.
    assert "besitos" in player.say("/wallet", timeout=30)[0]["text"].lower()
    assert player.say("/profile")[0]["text"]
    second = webhook_child()
    assert second is not None and second.pid != first.pid
    wait_until(lambda: ready(split_bot))
    assert metric(split_bot, "yabot_webhook_process_restarts_total") == 1.0
    # After the restart the bot handed /start over again: its actor skipped it, so the
    # player got exactly one reply per command and no second welcome.
    time.sleep(1.0)
    assert len(player.messages()) == before + 2


def test_an_update_stored_but_not_announced_by_a_dead_process_is_applied(
    split_bot: RunningBot, emu: Emu
) -> None:
    player = emu.player(702, "Luis", "en")
    player.send("/start")
    player.wait_buttons()
    time.sleep(0.5)
    seen = len(player.messages())
    # What a webhook process that stored an update and died before telling the bot leaves.
    update = {
        "update_id": 900_000_001,
        "message": {
            "message_id": 77,
            "date": int(time.time()),
            "chat": {"id": 702, "type": "private", "first_name": "Luis"},
            "from": {"id": 702, "is_bot": False, "first_name": "Luis", "language_code": "en"},
            "text": "/wallet",
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }
    inbox = open_inbox(split_bot.settings)
    try:
        assert inbox.append(900_000_001, 702, json.dumps(update).encode(), time.time()).new
    finally:
        inbox.close()
    child = webhook_child()
    assert child is not None
    os.kill(child.pid, signal.SIGKILL)
    player.seen = max(m["message_id"] for m in player.messages())
    got = player.wait_for(lambda messages: len(messages) > 0, timeout=20)
    assert "besitos" in got[-1]["text"].lower()
    time.sleep(1.5)  # a second hand-over would have produced a second reply by now
    assert len(player.messages()) == seen + 1


def test_the_webhook_port_must_not_be_the_api_port(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"  # (a config path that does not exist is refused now)
    empty.write_text("")
    with pytest.raises(ConfigError, match=r"webhook_port .* is also api\.port"):
        load_settings(
            empty,
            {"YABOT_TELEGRAM__WEBHOOK_PORT": "8080", "YABOT_API__PORT": "8080"},
        )


def test_the_webhook_process_keeps_full_collections_off_its_requests(
    split_bot: RunningBot,
) -> None:
    # Its own /metrics: the collector policy ran at start-up (it froze what start-up built).
    port = split_bot.settings.telegram.webhook_port
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    frozen = [line for line in text.splitlines() if line.startswith("yabot_gc_frozen_objects ")]
    assert frozen and float(frozen[0].split()[1]) > 0


def test_replies_an_earlier_life_stored_go_out_through_the_webhook_process(
    emu: Emu, tmp_path: Path
) -> None:
    settings = bot_settings(tmp_path / "data", emu.url, "webhook_process")
    assert settings.telegram.sender_in_webhook_process
    player = emu.player(703, "Eva", "en")
    first_life = RunningBot(settings).start()
    try:
        player.send("/start")
        player.wait_buttons()
        time.sleep(0.5)  # every message of the welcome is in
    finally:
        first_life.stop()
    player.seen = max(m["message_id"] for m in player.messages())
    # What a bot that stored a reply and died before Telegram took it leaves behind.
    records = RecordsDb.open(settings)
    try:
        open_reply_outbox(records).put(
            "earlier:0", 5, 703, "sendMessage", {"chat_id": 703, "text": "kept for you"}
        )
    finally:
        records.close()
    resent_before = REGISTRY.get_sample_value("yabot_replies_resent_total") or 0.0
    running = RunningBot(settings).start()
    try:
        # Resent at start, before the webhook process (which makes the calls) was up.
        got = player.wait_for(lambda messages: len(messages) > 0, timeout=20)
        assert [m["text"] for m in got] == ["kept for you"]
        wait_until(lambda: metric(running, "yabot_replies_pending") == 0.0)
        assert metric(running, "yabot_replies_resent_total") - resent_before == 1.0
        # A player's reply also makes the round trip through the webhook process.
        assert "besitos" in player.say("/wallet", timeout=20)[0]["text"].lower()
        child = webhook_child()
        assert child is not None
    finally:
        running.stop()
    # Stopped in order: the webhook process is gone and no reply was left unsent.
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
    records = RecordsDb.open(settings)
    try:
        assert open_reply_outbox(records).pending() == []
    finally:
        records.close()
