"""Every metric the dashboard's sampler reads is registered by the running bot, so a renamed
metric shows up here instead of as a chart that stays empty."""

from __future__ import annotations

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
