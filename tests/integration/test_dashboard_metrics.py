"""Every metric the dashboard's sampler reads is registered by the running bot, so a renamed
metric shows up here instead of as a chart that stays empty."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.harness import Emu, RunningBot, bot_settings
from yabot.api.dashboard.sampler import METRICS_READ


@pytest.fixture
def bot(emu: Emu, tmp_path: Path) -> Iterator[RunningBot]:
    running = RunningBot(bot_settings(tmp_path / "data", emu.url)).start()
    yield running
    running.stop()


def test_the_running_bot_exposes_every_metric_the_dashboard_reads(
    emu: Emu, bot: RunningBot
) -> None:
    player = emu.player(6201, "Ana")
    player.send("/start")
    player.wait_buttons()
    text = httpx.get(bot.api_url + "/metrics").text
    families = {
        line.split()[2] for line in text.splitlines() if line.startswith(("# TYPE ", "# HELP "))
    }
    # Exposition names counters without `_total` in # TYPE lines.
    names = families | {f"{name}_total" for name in families}
    missing = [name for name in METRICS_READ if name not in names]
    assert missing == [], f"the sampler reads metrics the bot does not register: {missing}"


COUNT = "yabot_update_to_reply_seconds_count"


def _count(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not exposed")


def test_update_to_reply_counts_each_confirmed_reply(emu: Emu, bot: RunningBot) -> None:
    before = _count(httpx.get(bot.api_url + "/metrics").text, COUNT)
    player = emu.player(6202, "Bea")
    player.send("/start")
    player.wait_buttons()
    replies = len(player.messages())
    assert replies >= 1
    after = before
    for _ in range(50):  # the confirmation is counted when Telegram's answer comes back
        after = _count(httpx.get(bot.api_url + "/metrics").text, COUNT)
        if after - before >= replies:
            break
        time.sleep(0.1)
    assert after - before >= replies
