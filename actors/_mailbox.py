"""The bounded per-actor mailbox that schedules an actor's turns on a WorkerPool."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pykka
from pykka.messages import _ActorStop

from actors import _metrics
from actors._pool import PoolShutDown

if TYPE_CHECKING:
    from pykka._envelope import Envelope

    from actors._pool import WorkerPool

logger = logging.getLogger(__name__)

Watcher = Callable[["pykka.ActorRef[Any]", "BaseException | None"], None]
"""Called once with (ref, failure) after an actor terminated; failure is None on a stop."""

_NEW, _OPEN, _CLOSED, _TERMINATED = 0, 1, 2, 3
_UNBOUNDED_BUDGET = 1 << 62


class SystemMessage:
    """Base class of runtime messages; they bypass the mailbox limit."""

    __slots__ = ()


_SYSTEM_TYPES: tuple[type, ...] = (_ActorStop, SystemMessage)

holding: set[Mailbox] = set()
"""The mailboxes that hold messages now (a registry read sums their depths without walking
every live actor: 100,000 resident actors took 12-17 ms of the GIL per read)."""


class MailboxFull(Exception):
    """A message was refused because the actor's mailbox holds ``limit`` messages.

    Attributes:
        actor: the actor's description (class name and URN).
        limit: the configured mailbox limit.
    """

    def __init__(self, actor: str, limit: int) -> None:
        super().__init__(f"mailbox of {actor} is full ({limit} messages queued); message refused")
        self.actor = actor
        self.limit = limit


class EndOfTurn(Exception):
    """Raised by ``Mailbox.get()`` to end a turn: budget used up or nothing queued."""


class Mailbox:
    """FIFO inbox of one PooledActor, with an optional bound.

    A put into an idle mailbox schedules one turn on the pool; at most one turn of the
    actor is queued or running at any time, which gives per-actor FIFO and mutual exclusion.
    """

    __slots__ = (
        "_budget",
        "_lock",
        "_pool",
        "_queue",
        "_run",
        "_scheduled",
        "_state",
        "_watcher",
        "_watchers",
        "actor_name",
        "failure",
        "last_activity",
        "limit",
        "processed",
        "restarts",
        "setup_done",
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Envelope[Any]] | None = None
        self._scheduled = False
        self._state = _NEW
        self._run: Callable[[], None] | None = None
        self._pool: WorkerPool | None = None
        self._watcher: Watcher | None = None
        self._watchers: list[Watcher] | None = None
        self._budget = 0
        self.actor_name = "actor"
        self.limit: int | None = None
        self.processed = 0
        self.last_activity = 0.0
        self.restarts = 0
        self.failure: BaseException | None = None
        self.setup_done = False

    def bind(
        self, actor_name: str, pool: WorkerPool, run: Callable[[], None], limit: int | None
    ) -> None:
        """Attach the mailbox to its actor's turn function and pool (before ``open``)."""
        self.actor_name = actor_name
        self._pool = pool
        self._run = run
        self.limit = limit

    def open(self) -> None:
        """Start scheduling turns; the first turn runs the actor's ``on_start``."""
        with self._lock:
            self._state = _OPEN
            self._scheduled = True
            self._submit()

    def put(self, envelope: Envelope[Any], /) -> None:
        """Queue ``envelope``; schedule a turn if the actor is idle.

        Raises:
            MailboxFull: over the limit (runtime messages are exempt).
            pykka.ActorDeadError: for a tell to an actor that already stopped (an ask gets
                the error through its future instead).
            PoolShutDown: if the pool was shut down.
        """
        reason = ""
        with self._lock:
            queue = self._queue
            if self._state >= _CLOSED:
                reason = "dead"
            elif (
                self.limit is not None
                and queue is not None
                and len(queue) >= self.limit
                and not isinstance(envelope.message, _SYSTEM_TYPES)
            ):
                reason = "mailbox_full"
            else:
                if queue is None:
                    queue = self._queue = deque()
                queue.append(envelope)
                if len(queue) == 1:
                    holding.add(self)
                if self._state == _OPEN and not self._scheduled:
                    self._scheduled = True
                    try:
                        self._submit()
                    except PoolShutDown:
                        queue.pop()
                        if not queue:
                            holding.discard(self)
                        self._scheduled = False
                        reason = "pool_shut_down"
                if not reason:
                    return
        _metrics.get_metrics().rejected(self.actor_name, reason)
        if reason == "mailbox_full":
            assert self.limit is not None
            logger.warning(
                "message refused: mailbox full",
                extra={"actor": self.actor_name, "limit": self.limit},
            )
            raise MailboxFull(self.actor_name, self.limit)
        if reason == "pool_shut_down":
            logger.warning(
                "message refused: worker pool shut down", extra={"actor": self.actor_name}
            )
            raise PoolShutDown(f"worker pool of {self.actor_name} is shut down")
        error = pykka.ActorDeadError(f"{self.actor_name} stopped before the message arrived")
        if envelope.reply_to is not None:
            envelope.reply_to.set_exception((type(error), error, None))
            return
        raise error

    def get(self) -> Envelope[Any]:
        """Take the next envelope of the current turn.

        Raises:
            EndOfTurn: when the turn's budget is spent or the mailbox is empty.
        """
        if self._budget <= 0:
            raise EndOfTurn
        with self._lock:
            queue = self._queue
            if not queue:
                raise EndOfTurn
            envelope = queue.popleft()
            if not queue:
                holding.discard(self)
        self._budget -= 1
        self.processed += 1
        return envelope

    def empty(self) -> bool:
        """True if nothing is queued."""
        return not self._queue

    def depth(self) -> int:
        """Number of queued messages."""
        queue = self._queue
        return len(queue) if queue else 0

    def begin_turn(self, budget: int) -> None:
        """Allow ``budget`` more ``get()`` calls in this turn."""
        self._budget = budget

    def end_turn(self, now: float) -> None:
        """Requeue the actor behind other work if messages are left, else mark it idle."""
        self.last_activity = now
        with self._lock:
            if self._queue:
                try:
                    self._submit()
                except PoolShutDown:
                    self._scheduled = False
                    logger.error(
                        "pool shut down with messages queued",
                        extra={"actor": self.actor_name, "queued": len(self._queue)},
                    )
            else:
                self._scheduled = False
                self._queue = None

    def close(self) -> None:
        """Refuse further messages (queued ones stay for ``drain`` or the teardown)."""
        with self._lock:
            if self._state < _CLOSED:
                self._state = _CLOSED
            self._budget = _UNBOUNDED_BUDGET

    @property
    def pool(self) -> WorkerPool:
        """The pool that runs this actor's turns."""
        assert self._pool is not None, "mailbox not bound"
        return self._pool

    @property
    def closed(self) -> bool:
        """True once the actor stopped taking messages."""
        return self._state >= _CLOSED

    def drain(self) -> list[Envelope[Any]]:
        """Remove and return every queued envelope."""
        with self._lock:
            queue = self._queue
            self._queue = None
            holding.discard(self)
        return list(queue) if queue else []

    def pending_tells(self) -> int:
        """Number of queued envelopes without a reply future (tells)."""
        with self._lock:
            queue = self._queue
            return sum(1 for e in queue if e.reply_to is None) if queue else 0

    def watch(self, ref: pykka.ActorRef[Any], watcher: Watcher) -> None:
        """Call ``watcher(ref, failure)`` once the actor terminated (now if it already did)."""
        with self._lock:
            if self._state != _TERMINATED:
                if self._watcher is None:
                    self._watcher = watcher  # the usual single watcher costs no list
                else:
                    if self._watchers is None:
                        self._watchers = []
                    self._watchers.append(watcher)
                return
        watcher(ref, self.failure)

    def terminated(self, ref: pykka.ActorRef[Any]) -> None:
        """Mark the actor terminated and notify its watchers."""
        with self._lock:
            self._state = _TERMINATED
            holding.discard(self)  # its queued messages, if any, are dropped
            watchers = [self._watcher] if self._watcher is not None else []
            watchers.extend(self._watchers or ())
            self._watcher = self._watchers = None
            self._run = None
        for watcher in watchers:
            try:
                watcher(ref, self.failure)
            except Exception:
                logger.exception("actor watcher failed", extra={"actor": self.actor_name})

    def _submit(self) -> None:
        assert self._pool is not None and self._run is not None, "mailbox not bound"
        self._pool.submit(self._run)
