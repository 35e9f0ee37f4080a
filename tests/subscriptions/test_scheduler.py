"""The APScheduler jobs: catch up at start, tell actors (never write), report health."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.economy.world import T0, world_settings
from yabot.player.messages import Expire, Remind, Rollover
from yabot.scheduling import Scheduler
from yabot.storage.records import RecordBatch, RecordsDb, SubscriptionChange

DAY = 86_400


async def test_start_catches_up_on_what_came_due_while_down(tmp_path: Path) -> None:
    settings = world_settings(tmp_path / "d", YABOT_SUBSCRIPTIONS__SWEEP_INTERVAL_S="0.05")
    settings.storage.data_dir.mkdir(parents=True)
    records = RecordsDb.open(settings)
    try:
        records.apply(
            RecordBatch(
                subscriptions=[
                    SubscriptionChange(1, "vip", "active", T0, T0 + 30 * DAY, "stars:a"),
                    SubscriptionChange(2, "vip", "active", T0, T0 + 32 * DAY, "stars:b"),
                    SubscriptionChange(3, "vip", "active", T0, T0 + 60 * DAY, "stars:c"),
                ]
            )
        )
        told: list[tuple[int, Any]] = []
        now = T0 + 30 * DAY + 5
        scheduler = Scheduler(
            settings, records, lambda u, m: told.append((u, m)), lambda: [7, 8], lambda: now
        )
        assert not scheduler.healthy()
        await scheduler.start()
        try:
            assert (1, Expire(T0 + 30 * DAY, now)) in told, (
                "an expiry missed while down is sent at start"
            )
            assert (2, Remind(3, T0 + 32 * DAY, now)) in told, "the nearest reminder only"
            assert all(user != 3 for user, _ in told)
            assert scheduler.healthy() and scheduler.health()["running"]
            await asyncio.sleep(0.2)
            assert sum(1 for u, m in told if u == 1) >= 2, (
                "the sweep repeats; actors make it idempotent"
            )
            assert await scheduler.rollover() == 2
            assert (7, Rollover(now)) in told and (8, Rollover(now)) in told
            assert set(scheduler.health()["jobs"]) == {"sweep", "rollover"}
        finally:
            await scheduler.stop()
        assert not scheduler.healthy()
    finally:
        records.close()
