"""The turn's time is split: ``yabot_transition_records_seconds`` is the part a transition waits
for its records transaction (the group commit), inside ``yabot_transition_seconds``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from tests.economy.world import World, world_settings
from yabot.storage.records import BatchResult, RecordBatch

USER = 5151
RECORDS = "yabot_transition_records_seconds"
TURN = "yabot_transition_seconds"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(world_settings(tmp_path / "data"))
    yield w
    w.close()


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_the_wait_for_the_records_transaction_is_measured_inside_the_turn(world: World) -> None:
    commit = world.effects.commit_records

    def slow_commit(batch: RecordBatch) -> BatchResult:
        time.sleep(0.03)  # a group commit that carries this batch behind another write
        return commit(batch)

    world.effects.commit_records = slow_commit  # type: ignore[method-assign]
    records_count, turn_count = _sample(f"{RECORDS}_count"), _sample(f"{TURN}_count")
    records_sum, turn_sum = _sample(f"{RECORDS}_sum"), _sample(f"{TURN}_sum")

    world.message(USER, "/help")

    assert _sample(f"{RECORDS}_count") == records_count + 1
    assert _sample(f"{TURN}_count") == turn_count + 1
    waited = _sample(f"{RECORDS}_sum") - records_sum
    assert waited >= 0.03
    assert _sample(f"{TURN}_sum") - turn_sum >= waited  # a part of the turn
