"""One member leads a task at a time, through a PostgreSQL session advisory lock.

In polling mode exactly one member polls ``getUpdates`` (Telegram refuses two pollers anyway)
and appends to the shared inbox; every shard's owner then consumes its entries. The leader
holds ``pg_advisory_lock`` on a connection of its own: when its process dies the session ends
and the lock is free at once; the others try every ``retry_s`` and one takes over. A leader
that loses its connection stops leading before it tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from prometheus_client import Gauge

from yabot.observability.logging import get_logger

log = get_logger(__name__)

LEADER_NAMESPACE = 0x59414203  # "YAB\3"
LEADING = Gauge("yabot_cluster_leader", "1 while this member leads the named task", ["task"])


class Leadership:
    """Runs ``lead()`` while this member holds the lock of ``task``; ``step_down()`` when not.

    Args:
        dsn: PostgreSQL connection string.
        task: The led task's name (``polling``); its lock key derives from it.
        lead: Starts the task (called once per leadership).
        step_down: Stops it.
        retry_s: How often a follower tries the lock, and a leader checks its connection.
    """

    def __init__(
        self,
        dsn: str,
        task: str,
        lead: Callable[[], Awaitable[None]],
        step_down: Callable[[], Awaitable[None]],
        *,
        retry_s: float = 1.0,
    ) -> None:
        self._dsn = dsn
        self.task = task
        self._key = zlib.crc32(task.encode()) & 0x7FFFFFFF
        self._lead = lead
        self._step_down = step_down
        self._retry_s = retry_s
        self.leading = False
        self._runner: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start competing for the lock (on the event loop)."""
        self._runner = asyncio.create_task(self._run(), name=f"leader-{self.task}")

    async def stop(self) -> None:
        """Stop leading (if we do) and stop competing; the session ends, the lock is free."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        await self._resign()

    async def _resign(self) -> None:
        if self.leading:
            self.leading = False
            LEADING.labels(self.task).set(0)
            log.info("cluster.leader_stepped_down", task=self.task)
            await self._step_down()

    async def _run(self) -> None:
        while True:
            conn: psycopg.AsyncConnection[Any] | None = None
            try:
                conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
                while not self.leading:
                    row = await (
                        await conn.execute(
                            "SELECT pg_try_advisory_lock(%s, %s)", (LEADER_NAMESPACE, self._key)
                        )
                    ).fetchone()
                    if row is not None and row[0]:
                        self.leading = True
                        LEADING.labels(self.task).set(1)
                        log.info("cluster.leader_elected", task=self.task)
                        await self._lead()
                    else:
                        await asyncio.sleep(self._retry_s)
                while True:  # leading: the lock lives as long as this session
                    await asyncio.sleep(self._retry_s)
                    await conn.execute("SELECT 1")
            except asyncio.CancelledError:
                if conn is not None:
                    await conn.close()
                raise
            except (psycopg.Error, OSError) as exc:
                log.warning(
                    "cluster.leader_connection_lost", task=self.task, error=type(exc).__name__
                )
                await self._resign()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
                await asyncio.sleep(self._retry_s)
