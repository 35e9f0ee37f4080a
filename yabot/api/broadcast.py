"""Broadcast a message to a segment of players through the paced sender, resumably.

``Broadcaster.create`` picks the recipients from the records database once (all players,
VIP or free, a language, a join window) and stores them with the broadcast. One asyncio task
per running broadcast then claims a chunk of recipients, submits one ``sendMessage`` each
(dedupe key ``broadcast:{id}:{user}``), waits for every result, records it, and sleeps so the
broadcast uses at most ``RATE_SHARE`` of ``telegram.global_rate_per_s`` (players' replies keep
the rest; the sender enforces Telegram's limits on top). A restart resumes running broadcasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from prometheus_client import Counter, Gauge

from yabot.api.broadcast_store import Broadcast, BroadcastStore, Outcomes
from yabot.i18n import pick_language
from yabot.observability.logging import get_logger
from yabot.telegram.sender import BotSender, SenderClosed, SenderOverloaded

log = get_logger(__name__)

RATE_SHARE = 0.5
CHUNK_SECONDS = 1.0
MAX_CHUNK = 100
MAX_RUNNING = 5
OVERLOAD_BACKOFF_S = 1.0
ERROR_BACKOFF_S = 5.0

MESSAGES = Counter(
    "yabot_broadcast_messages_total", "Broadcast messages by outcome (sent, failed).", ["outcome"]
)
DEFERRED = Counter(
    "yabot_broadcast_deferred_total",
    "Broadcast sends put back for later, by reason (sender_overloaded, sender_closed).",
    ["reason"],
)
REFUSED = Counter(
    "yabot_broadcast_refused_total", "Broadcasts refused at creation, by reason.", ["reason"]
)
FAILURES = Counter(
    "yabot_broadcast_step_failures_total", "Unexpected errors of a broadcast's task (retried)."
)
RUNNING = Gauge("yabot_broadcasts_running", "Broadcasts being sent by this process.")

Tier = Literal["all", "vip", "free"]


@dataclass(frozen=True)
class Segment:
    """Who receives a broadcast (all conditions must hold)."""

    tier: Tier = "all"
    language: Literal["en", "es"] | None = None
    joined_after: float | None = None
    joined_before: float | None = None


class TooManyBroadcasts(Exception):
    """``MAX_RUNNING`` broadcasts are already running."""


def select_recipients(
    records_file: Path, segment: Segment, now: float, default_language: str
) -> list[int]:
    """Return the user ids of the players in ``segment`` (blocking; read-only access).

    Args:
        records_file: ``records.db``.
        segment: The conditions.
        now: The time a subscription must still be active at to count as VIP.
        default_language: What a player without a supported ``language_code`` speaks.
    """
    uri = records_file.resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=5.0)
    try:
        rows = conn.execute(
            "SELECT p.user_id, p.language_code, p.created_at, s.status, s.ends_at "
            "FROM profiles p LEFT JOIN subscriptions s ON s.user_id = p.user_id"
        ).fetchall()
    finally:
        conn.close()
    chosen = []
    for user_id, language_code, created_at, status, ends_at in rows:
        vip = status == "active" and ends_at is not None and ends_at > now
        if (segment.tier == "vip" and not vip) or (segment.tier == "free" and vip):
            continue
        if segment.language and pick_language(language_code, default_language) != segment.language:
            continue
        if segment.joined_after is not None and created_at <= segment.joined_after:
            continue
        if segment.joined_before is not None and created_at >= segment.joined_before:
            continue
        chosen.append(int(user_id))
    return chosen


@dataclass
class _Chunk:
    """The sends of one chunk; once ``orphaned`` (its task was stopped) late results are
    written straight to the store."""

    broadcast_id: int
    results: dict[int, asyncio.Future[tuple[Any, Exception | None]]] = field(default_factory=dict)
    orphaned: bool = False


def _classify(user_id: int, error: Exception | None, outcomes: Outcomes) -> Outcomes:
    if error is None:
        return Outcomes([*outcomes.sent, user_id], outcomes.failed, outcomes.retry)
    if isinstance(error, SenderClosed):
        DEFERRED.labels("sender_closed").inc()
        return Outcomes(outcomes.sent, outcomes.failed, [*outcomes.retry, user_id])
    return Outcomes(outcomes.sent, [*outcomes.failed, (user_id, str(error))], outcomes.retry)


class Broadcaster:
    """Creates, runs, resumes and cancels broadcasts.

    Args:
        store: Where broadcasts and recipients persist.
        sender: Returns the running sender (None before the runtime started).
        rate_per_s: Messages per second this broadcaster may use in all.
    """

    def __init__(
        self, store: BroadcastStore, sender: Callable[[], BotSender | None], rate_per_s: float
    ) -> None:
        self.store = store
        self._sender = sender
        self.rate_per_s = max(rate_per_s, 0.01)
        self.chunk_size = max(1, min(MAX_CHUNK, int(self.rate_per_s * CHUNK_SECONDS)))
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping = False

    # ---- lifecycle -----------------------------------------------------------------------
    async def start(self) -> list[int]:
        """Resume every running broadcast; returns their ids."""
        self._stopping = False
        ids = await asyncio.to_thread(self.store.running_ids)
        for broadcast_id in ids:
            released = await asyncio.to_thread(self.store.release_claims, broadcast_id)
            log.info("broadcast.resumed", broadcast_id=broadcast_id, unconfirmed=released)
            self._spawn(broadcast_id)
        return ids

    async def stop(self, wait_s: float = 1.0) -> None:
        """Let each task finish its chunk (up to ``wait_s``), then stop them; results that
        arrive later are still recorded."""
        self._stopping = True
        tasks = list(self._tasks.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=wait_s)
            for task in late:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*late, return_exceptions=True)

    # ---- operations ----------------------------------------------------------------------
    async def create(
        self,
        text: str,
        segment_params: dict[str, Any],
        recipients: list[int],
        who: str,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> tuple[Broadcast, bool]:
        """Store a broadcast to ``recipients`` and start sending it.

        Returns:
            The broadcast and whether it was created now (False: the key's earlier one).

        Raises:
            TooManyBroadcasts: ``MAX_RUNNING`` broadcasts are running already.
        """
        if idempotency_key is not None:
            earlier = await asyncio.to_thread(self.store.by_key, idempotency_key)
            if earlier is not None:
                return earlier, False
        if len(self._tasks) >= MAX_RUNNING:
            REFUSED.labels("too_many_running").inc()
            log.warning("broadcast.refused", reason="too_many_running", limit=MAX_RUNNING)
            raise TooManyBroadcasts(f"{MAX_RUNNING} broadcasts are running; wait or cancel one")
        broadcast, created = await asyncio.to_thread(
            self.store.create, text, segment_params, recipients, who, idempotency_key, fingerprint
        )
        if created and broadcast.state == "running":
            self._spawn(broadcast.id)
            log.info("broadcast.created", broadcast_id=broadcast.id, total=broadcast.total)
        return broadcast, created

    async def cancel(self, broadcast_id: int) -> Broadcast | None:
        """Stop sending a running broadcast (sends already submitted still complete)."""
        broadcast = await asyncio.to_thread(self.store.finish, broadcast_id, "cancelled")
        if broadcast is not None and broadcast.state == "cancelled":
            log.info("broadcast.cancelled", broadcast_id=broadcast_id, sent=broadcast.sent)
        return broadcast

    def running(self) -> int:
        """How many broadcasts this process is sending."""
        return len(self._tasks)

    # ---- the sending task ----------------------------------------------------------------
    def _spawn(self, broadcast_id: int) -> None:
        if broadcast_id in self._tasks:
            return
        task = asyncio.create_task(self._run(broadcast_id), name=f"broadcast-{broadcast_id}")
        self._tasks[broadcast_id] = task
        RUNNING.set(len(self._tasks))

        def forget(_: asyncio.Task[None]) -> None:
            self._tasks.pop(broadcast_id, None)
            RUNNING.set(len(self._tasks))

        task.add_done_callback(forget)

    async def _run(self, broadcast_id: int) -> None:
        while not self._stopping:
            try:
                if not await self._step(broadcast_id):
                    return
            except Exception:
                FAILURES.inc()
                log.exception("broadcast.step_failed", broadcast_id=broadcast_id)
                await asyncio.sleep(ERROR_BACKOFF_S)
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(self.store.release_claims, broadcast_id)

    async def _step(self, broadcast_id: int) -> bool:
        """Send one chunk; False when the broadcast is over (done, cancelled or gone)."""
        loop = asyncio.get_running_loop()
        broadcast = await asyncio.to_thread(self.store.get, broadcast_id)
        if broadcast is None or broadcast.state != "running":
            return False
        sender = self._sender()
        if sender is None:
            await asyncio.sleep(OVERLOAD_BACKOFF_S)
            return True
        users = await asyncio.to_thread(self.store.claim, broadcast_id, self.chunk_size)
        if not users:
            done = await asyncio.to_thread(self.store.finish, broadcast_id, "done")
            if done is not None:
                log.info(
                    "broadcast.done", broadcast_id=broadcast_id, sent=done.sent, failed=done.failed
                )
            return False
        started = loop.time()
        submitted = await self._send_chunk(sender, broadcast, users)
        await asyncio.sleep(max(0.0, submitted / self.rate_per_s - (loop.time() - started)))
        if submitted < len(users):
            await asyncio.sleep(OVERLOAD_BACKOFF_S)
        return True

    async def _send_chunk(self, sender: BotSender, broadcast: Broadcast, users: list[int]) -> int:
        """Submit one message per user, wait for every result, record them; returns how many
        were submitted."""
        loop = asyncio.get_running_loop()
        chunk = _Chunk(broadcast.id)
        retry: list[int] = []
        for index, user_id in enumerate(users):
            future: asyncio.Future[tuple[Any, Exception | None]] = loop.create_future()
            try:
                sender.submit(
                    "sendMessage",
                    {"chat_id": user_id, "text": broadcast.text},
                    chat_id=user_id,
                    dedupe_key=f"broadcast:{broadcast.id}:{user_id}",
                    on_result=self._on_result(chunk, user_id, future),
                )
            except (SenderOverloaded, SenderClosed) as exc:
                full = isinstance(exc, SenderOverloaded)
                reason = "sender_overloaded" if full else "sender_closed"
                DEFERRED.labels(reason).inc(len(users) - index)
                log.warning(
                    "broadcast.deferred",
                    broadcast_id=broadcast.id,
                    reason=reason,
                    count=len(users) - index,
                )
                retry.extend(users[index:])
                break
            chunk.results[user_id] = future
        try:
            answers = await asyncio.gather(*chunk.results.values())
        except asyncio.CancelledError:
            await self._orphan(chunk, retry)
            raise
        outcomes = Outcomes(retry=retry)
        for user_id, (_, error) in zip(chunk.results, answers, strict=True):
            outcomes = _classify(user_id, error, outcomes)
        await asyncio.to_thread(self.store.record, broadcast.id, outcomes)
        MESSAGES.labels("sent").inc(len(outcomes.sent))
        MESSAGES.labels("failed").inc(len(outcomes.failed))
        return len(chunk.results)

    def _on_result(
        self, chunk: _Chunk, user_id: int, future: asyncio.Future[tuple[Any, Exception | None]]
    ) -> Callable[[Any, Exception | None], None]:
        def on_result(result: Any, error: Exception | None) -> None:
            if not chunk.orphaned:
                if not future.done():
                    future.set_result((result, error))
                return
            outcomes = _classify(user_id, error, Outcomes())
            try:  # shutdown path only: a tiny write on the loop thread
                self.store.record(chunk.broadcast_id, outcomes)
            except Exception:
                log.exception("broadcast.late_result_lost", broadcast_id=chunk.broadcast_id)

        return on_result

    async def _orphan(self, chunk: _Chunk, retry: list[int]) -> None:
        """The task is stopping mid-chunk: record what is known, hand the rest to callbacks."""
        chunk.orphaned = True
        outcomes = Outcomes(retry=retry)
        for user_id, future in chunk.results.items():
            if future.done():
                _, error = future.result()
                outcomes = _classify(user_id, error, outcomes)
        with contextlib.suppress(Exception):
            self.store.record(chunk.broadcast_id, outcomes)


__all__ = [
    "MAX_RUNNING",
    "RATE_SHARE",
    "Broadcaster",
    "Segment",
    "TooManyBroadcasts",
    "select_recipients",
]
