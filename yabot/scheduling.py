"""Time-driven work on APScheduler 3.11: subscription expiry and reminders, daily rollover.

Jobs never change a player's state: they find what is due in the records DB and send
messages to the players' actors (:mod:`yabot.player.messages`). Each effect is recorded with a
deterministic ``JobRun`` key (``expire:<user>:<ends_at>``, ``remind:<user>:<ends_at>:<days>``)
in the same transaction as the effect, so a sweep that runs twice, or after a restart, or
late after downtime (the first sweep runs at start and catches up on everything due) neither
skips nor repeats anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import Counter, Gauge

from yabot.config import Settings
from yabot.observability.logging import get_logger
from yabot.player.messages import Expire, Remind, Rollover, SystemMessage
from yabot.player.subscriptions.tiers import DAY_S
from yabot.storage.records import RecordsStore

log = get_logger(__name__)

JOB_MESSAGES = Counter("yabot_scheduler_messages_total", "Messages the scheduler sent", ["job"])
JOB_FAILURES = Counter("yabot_scheduler_failures_total", "Scheduler job runs that failed", ["job"])
LAST_SWEEP = Gauge(
    "yabot_scheduler_last_sweep_timestamp", "When the last sweep finished (Unix time)"
)
SWEEP_LIMIT = 1000


@dataclass(frozen=True)
class Due:
    """One message the scheduler owes a player."""

    user_id: int
    message: SystemMessage


def due_work(
    records: RecordsStore, now: float, reminder_days: Iterable[int], limit: int = SWEEP_LIMIT
) -> list[Due]:
    """Everything due at ``now``: expiries, and for each subscription its nearest reminder.

    Reminders already recorded (``job_runs``) are left out; expiries drop out by themselves
    once their ``subscriptions`` row is no longer active.
    """
    work = [
        Due(sub.user_id, Expire(sub.ends_at, now))
        for sub in records.subscriptions_ending_before(now, limit=limit)
        if sub.ends_at is not None
    ]
    days_list = sorted(set(reminder_days))
    if not days_list:
        return work
    for sub in records.subscriptions_ending_before(now + days_list[-1] * DAY_S, limit=limit):
        if sub.ends_at is None or sub.ends_at <= now:
            continue
        days = next(d for d in days_list if now >= sub.ends_at - d * DAY_S)
        if records.job_ran_at(f"remind:{sub.user_id}:{int(sub.ends_at)}:{days}") is None:
            work.append(Due(sub.user_id, Remind(days, sub.ends_at, now)))
    return work


class Scheduler:
    """The APScheduler jobs of one process.

    Args:
        settings: Reads the sweep interval, reminder days, reset hour and time zone.
        records: The records DB (read only here).
        tell: ``tell(user_id, message)`` to a player's actor (activating it).
        resident: The user ids whose actors are active (told about a new day).
        clock: The time the jobs consider "now" (``time.time``; tests move it).
    """

    def __init__(
        self,
        settings: Settings,
        records: RecordsStore,
        tell: Callable[[int, Any], None],
        resident: Callable[[], list[int]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._records = records
        self._tell = tell
        self._resident = resident
        self.clock = clock
        self._interval = settings.subscriptions.sweep_interval_s
        self._reminder_days = list(settings.subscriptions.reminder_days_before)
        eco = settings.economy
        self._scheduler = AsyncIOScheduler(timezone=eco.timezone)
        self._rollover_trigger = CronTrigger(
            hour=eco.daily_reset_hour, minute=0, timezone=eco.timezone
        )
        self.last_sweep_at: float | None = None
        self.last_error: str | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Catch up on everything due, then run the jobs on their triggers."""
        self._scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=self._interval),
            id="sweep",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.add_job(
            self.rollover,
            self._rollover_trigger,
            id="rollover",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
        self._scheduler.start()
        await self.sweep()
        log.info("scheduler.started", sweep_interval_s=self._interval)

    async def stop(self) -> None:
        """Stop the jobs (a sweep in progress finishes its current read)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler completes its shutdown on the loop

    async def sweep(self) -> int:
        """Send every due expiry and reminder; return how many messages were sent."""
        async with self._lock:
            now = self.clock()
            try:
                work = await asyncio.to_thread(due_work, self._records, now, self._reminder_days)
                for due in work:
                    self._tell(due.user_id, due.message)
                    JOB_MESSAGES.labels(type(due.message).__name__.lower()).inc()
            except Exception as exc:
                JOB_FAILURES.labels("sweep").inc()
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                log.exception("scheduler.sweep_failed")
                return 0
            self.last_sweep_at = time.time()
            self.last_error = None
            LAST_SWEEP.set(self.last_sweep_at)
            if work:
                log.info("scheduler.sweep", sent=len(work))
            return len(work)

    async def rollover(self) -> int:
        """A new reward day: tell every active player's actor (the others roll lazily)."""
        now = self.clock()
        users = self._resident()
        for user_id in users:
            try:
                self._tell(user_id, Rollover(now))
            except Exception:
                JOB_FAILURES.labels("rollover").inc()
                log.exception("scheduler.rollover_failed", user_id=user_id)
        JOB_MESSAGES.labels("rollover").inc(len(users))
        return len(users)

    def health(self) -> dict[str, Any]:
        """Whether the jobs run and the last sweep is recent, with the next run times."""
        jobs = {
            job.id: job.next_run_time.isoformat() if job.next_run_time else None
            for job in self._scheduler.get_jobs()
        }
        return {
            "running": self._scheduler.running,
            "last_sweep_at": self.last_sweep_at,
            "last_error": self.last_error,
            "jobs": jobs,
        }

    def healthy(self) -> bool:
        """For /readyz: running, and a sweep succeeded within three intervals."""
        if not self._scheduler.running or self.last_sweep_at is None:
            return False
        return time.time() - self.last_sweep_at <= 3 * self._interval + 5
