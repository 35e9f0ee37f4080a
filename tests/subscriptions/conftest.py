from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.economy.world import World, world_settings

ADMIN = 900


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(world_settings(tmp_path / "data", YABOT_SUBSCRIPTIONS__ADMIN_USER_IDS=f"[{ADMIN}]"))
    yield w
    w.close()
