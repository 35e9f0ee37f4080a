"""One member leads a task at a time, through a lease in PostgreSQL (like the shards').

In polling mode exactly one member polls ``getUpdates`` (Telegram refuses two pollers anyway)
and appends to the shared inbox; every shard's owner then consumes its entries.

The leader holds the task's row in ``cluster_leaders``: its id, the backend pid of its session,
an *epoch* raised on every election and an expiry it renews every ``retry_s``. Another member
takes the lead when the lease has expired (the leader hangs or is cut off: within
``lease_timeout_s``) or when the leader's session is gone (it died: at once). A leader checks
its own deadline on the monotonic clock before it renews, so one woken from a pause past its
lease steps down before anything else of it runs on the lease; :meth:`Leadership.holds` lets the
led task check the same deadline before each step.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from prometheus_client import Gauge

from yabot.observability.logging import get_logger

log = get_logger(__name__)

LEADING = Gauge("yabot_cluster_leader", "1 while this member leads the named task", ["task"])
DEADLINE_SHARE = 0.9  # as for the shards: stop before the database's expiry

SCHEMA = """CREATE TABLE IF NOT EXISTS cluster_leaders (
    task text PRIMARY KEY,
    holder text NOT NULL,
    holder_pid integer NOT NULL,
    epoch bigint NOT NULL,
    expires_at timestamptz NOT NULL)"""

_ELECT = """
INSERT INTO cluster_leaders AS l (task, holder, holder_pid, epoch, expires_at)
VALUES (%(task)s, %(me)s, pg_backend_pid(), 1, now() + make_interval(secs => %(lease)s))
ON CONFLICT (task) DO UPDATE
SET holder = excluded.holder, holder_pid = excluded.holder_pid, epoch = l.epoch + 1,
    expires_at = excluded.expires_at
WHERE l.expires_at < now()
   OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.holder_pid)
RETURNING epoch
"""

_RENEW = """
UPDATE cluster_leaders SET expires_at = now() + make_interval(secs => %(lease)s)
WHERE task = %(task)s AND holder = %(me)s AND epoch = %(epoch)s
RETURNING epoch
"""


class Leadership:
    """Runs ``lead()`` while this member holds the lease of ``task``; ``step_down()`` when not.

    Args:
        dsn: PostgreSQL connection string.
        task: The led task's name (``polling``).
        lead: Starts the task (called once per leadership).
        step_down: Stops it.
        retry_s: How often a follower tries to take the lead, and a leader renews.
        lease_timeout_s: A leader that has not renewed for this long is replaced.
        member_id: This member's id (unique by default).
    """

    def __init__(
        self,
        dsn: str,
        task: str,
        lead: Callable[[], Awaitable[None]],
        step_down: Callable[[], Awaitable[None]],
        *,
        retry_s: float = 1.0,
        lease_timeout_s: float = 10.0,
        member_id: str | None = None,
    ) -> None:
        self._dsn = dsn
        self.task = task
        self._lead = lead
        self._step_down = step_down
        self._retry_s = min(retry_s, lease_timeout_s / 4)
        self.lease_timeout_s = lease_timeout_s
        self.member_id = member_id or f"{os.getpid()}:{secrets.token_hex(3)}"
        self.leading = False
        self.epoch = 0
        self._valid_until = 0.0
        self._runner: asyncio.Task[None] | None = None

    def holds(self) -> bool:
        """Whether this member leads and its lease cannot have expired yet (any thread)."""
        return self.leading and time.monotonic() < self._valid_until

    def start(self) -> None:
        """Start competing for the lead (on the event loop)."""
        self._runner = asyncio.create_task(self._run(), name=f"leader-{self.task}")

    async def stop(self) -> None:
        """Stop leading (if we do) and give the lease up; stop competing."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        was_leading = self.leading
        await self._resign("stop")
        if was_leading:
            with contextlib.suppress(psycopg.Error, OSError):
                conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
                async with conn:
                    await conn.execute(
                        "UPDATE cluster_leaders SET expires_at = '-infinity'"
                        " WHERE task = %s AND holder = %s AND epoch = %s",
                        (self.task, self.member_id, self.epoch),
                    )

    async def _resign(self, why: str) -> None:
        if self.leading:
            self.leading = False
            LEADING.labels(self.task).set(0)
            log.info("cluster.leader_stepped_down", task=self.task, why=why)
            await self._step_down()

    def _params(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "me": self.member_id,
            "lease": self.lease_timeout_s,
            "epoch": self.epoch,
        }

    async def _run(self) -> None:
        while True:
            conn: psycopg.AsyncConnection[Any] | None = None
            try:
                conn = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
                await conn.execute(SCHEMA)
                while True:
                    await self.step(conn)
                    await asyncio.sleep(self._retry_s)
            except asyncio.CancelledError:
                if conn is not None:
                    await conn.close()
                raise
            except (psycopg.Error, OSError) as exc:
                log.warning(
                    "cluster.leader_connection_lost", task=self.task, error=type(exc).__name__
                )
                await self._resign("connection lost")
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
                await asyncio.sleep(self._retry_s)

    async def step(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """One renewal (leader) or election attempt (follower)."""
        if self.leading and not self.holds():
            # Woken past our lease (or renewals were starved): stop before anything else.
            await self._resign("lease lapsed")
        sent = time.monotonic()
        if self.leading:
            row = await (await conn.execute(_RENEW, self._params())).fetchone()
            if row is None:
                await self._resign("lease taken")
                return
            self._valid_until = sent + self.lease_timeout_s * DEADLINE_SHARE
            return
        row = await (await conn.execute(_ELECT, self._params())).fetchone()
        if row is None:
            return
        self.epoch = int(row[0])
        self._valid_until = sent + self.lease_timeout_s * DEADLINE_SHARE
        self.leading = True
        LEADING.labels(self.task).set(1)
        log.info("cluster.leader_elected", task=self.task, epoch=self.epoch)
        await self._lead()
