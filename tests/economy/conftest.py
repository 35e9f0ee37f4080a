from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.economy.world import World, world_settings


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(world_settings(tmp_path / "data"))
    yield w
    w.close()
