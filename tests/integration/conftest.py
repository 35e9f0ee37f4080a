from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.harness import Emu, RunningBot, bot_settings


@pytest.fixture
def emu() -> Iterator[Emu]:
    server = Emu().start()
    yield server
    server.stop()


@pytest.fixture(params=["polling", "webhook", "webhook_port", "webhook_process"])
def bot(request: pytest.FixtureRequest, emu: Emu, tmp_path: Path) -> Iterator[RunningBot]:
    running = RunningBot(bot_settings(tmp_path / "data", emu.url, request.param)).start()
    yield running
    running.stop()
