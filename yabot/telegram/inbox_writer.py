"""The inbox writer: updates appended to the durable inbox in group commits on one thread.

Used by the router (single process) and by the webhook process (inbox first, then a frame to
the bot's process).
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time

from prometheus_client import Histogram

from yabot.observability.logging import get_logger
from yabot.storage.inbox import Appended, Arrival, InboxStore
from yabot.telegram.sink import Overloaded
from yabot.telegram.types import IncomingUpdate

log = get_logger(__name__)

INBOX_WRITE_SECONDS = Histogram(
    "yabot_inbox_write_seconds",
    "From an update reaching the inbox writer to its group commit (the batch's oldest update)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
MAX_BATCH = 500
_Result = tuple[asyncio.Future[Appended], Appended | BaseException]  # a caller's, settled


class InboxWriter:
    """Appends updates to the inbox in group commits on one writer thread.

    Many concurrent ``append`` calls share one SQLite transaction; each returns once its
    update is durable.

    Args:
        inbox: The durable inbox.
    """

    def __init__(self, inbox: InboxStore) -> None:
        self._inbox = inbox
        self._queue: queue.SimpleQueue[
            tuple[IncomingUpdate, asyncio.Future[Appended], asyncio.AbstractEventLoop, float] | None
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write_loop, name="inbox-writer", daemon=True)
        self._thread.start()

    async def append(self, update: IncomingUpdate) -> Appended:
        """Store ``update`` durably; its inbox ``seq``, and whether it is new (False for an
        ``update_id`` seen within the dedupe retention).

        Raises:
            Overloaded: The inbox could not store it (the caller asks Telegram to retry).
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Appended] = loop.create_future()
        self._queue.put((update, done, loop, time.monotonic()))
        return await done

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            entries = [
                Arrival(u.update_id, u.user_id or 0, u.raw, u.received_at) for u, *_ in batch
            ]
            try:
                results: list[Appended | BaseException] = list(self._inbox.append_many(entries))
            except Exception as exc:
                log.error("router.inbox_write_failed", error=type(exc).__name__, count=len(batch))
                results = [Overloaded("the inbox could not store the update", 2.0)] * len(batch)
            INBOX_WRITE_SECONDS.observe(time.monotonic() - first[3])
            # One wake-up of each caller's loop for the whole batch, not one per update.
            by_loop: dict[asyncio.AbstractEventLoop, list[_Result]] = {}
            for (_, future, loop, _), result in zip(batch, results, strict=True):
                by_loop.setdefault(loop, []).append((future, result))
            for loop, settled in by_loop.items():
                loop.call_soon_threadsafe(_settle_all, settled)

    def close(self) -> None:
        """Stop the writer thread after what is queued."""
        self._queue.put(None)
        self._thread.join(timeout=5)


def _settle_all(settled: list[_Result]) -> None:
    for future, result in settled:
        if future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
