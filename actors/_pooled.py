"""PooledActor: a pykka actor whose turns run on a shared WorkerPool instead of a thread."""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import pykka

from actors import _introspection, _metrics
from actors._future import PooledFuture
from actors._mailbox import EndOfTurn, Mailbox, Watcher

if TYPE_CHECKING:
    from types import TracebackType

    from actors._pool import WorkerPool

logger = logging.getLogger(__name__)

T = TypeVar("T")

_default_pool: WorkerPool | None = None
_urn_random = random.Random()


def use_pool(pool: WorkerPool | None) -> None:
    """Make ``pool`` the WorkerPool of every PooledActor class whose ``pool`` is None.

    Call it once at start-up (and with None after shutting the pool down). The pool is
    looked up when an actor is created; running actors keep the pool they started on.
    """
    global _default_pool
    _default_pool = pool


def default_pool() -> WorkerPool:
    """The pool set with ``use_pool``.

    Raises:
        RuntimeError: if no pool was set.
    """
    if _default_pool is None:
        raise RuntimeError(
            "no WorkerPool for PooledActor: call actors.use_pool(WorkerPool(size)) at start-up "
            "or set the actor class's `pool` attribute"
        )
    return _default_pool


class StoppedFlag:
    """A small stand-in for the ``threading.Event`` pykka gives every actor (``actor_stopped``).

    An Event costs about 1 KB per actor (Condition, lock, deque); this costs 48 bytes until
    somebody calls ``wait()``.
    """

    __slots__ = ("_event", "_set")
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._set = False
        self._event: threading.Event | None = None

    def is_set(self) -> bool:
        """True once the actor stopped."""
        return self._set

    def set(self) -> None:
        """Mark the actor stopped and wake waiters."""
        with StoppedFlag._lock:
            self._set = True
            event = self._event
        if event is not None:
            event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the actor stopped or ``timeout`` passed; True if stopped."""
        with StoppedFlag._lock:
            if self._set:
                return True
            if self._event is None:
                self._event = threading.Event()
            event = self._event
        return event.wait(timeout)


class PooledActor(pykka.Actor):
    """A pykka actor that shares a WorkerPool with other actors (no thread of its own).

    Use it like ``pykka.ThreadingActor``: ``Cls.start(...)`` returns a ``pykka.ActorRef``
    with ``tell`` / ``ask`` / ``proxy`` / ``stop``; ``on_start``, ``on_receive``,
    ``on_failure`` and ``on_stop`` keep pykka's semantics. Differences:

    - ``start()`` only builds the object and schedules its first turn: ``on_start`` runs on
      a pool thread, so ``start()`` is cheap and safe on an asyncio event-loop thread.
    - Turns: each turn handles at most ``turn_size`` messages, then the actor goes to the
      back of the pool's queue (fairness). One actor never runs two turns at once.
    - The mailbox holds at most ``mailbox_limit`` messages; beyond that ``tell``/``ask``
      raise ``MailboxFull`` (counted in ``actors_rejected_messages_total``).
    - Actors are not entered in pykka's O(n) ``ActorRegistry``; see ``actors.list_actors``.

    The pool is the class attribute ``pool`` if set, else the one given to ``use_pool()``.
    Handlers run on pool threads: they must not block for long, and must never wait on
    another PooledActor's future (that can exhaust the pool and deadlock).
    """

    pool: ClassVar[WorkerPool | None] = None
    mailbox_limit: ClassVar[int | None] = 10_000
    turn_size: ClassVar[int] = 32

    actor_inbox: Mailbox
    actor_stopped: StoppedFlag  # type: ignore[assignment]

    @staticmethod
    def _create_actor_inbox() -> Mailbox:
        return Mailbox()

    @staticmethod
    def _create_future() -> PooledFuture[Any]:
        return PooledFuture()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Create the actor (runs in the caller of ``start()``; keep it cheap, no I/O)."""
        # pykka.Actor.__init__ (4.5.0, pinned by the tests) without its two costly parts:
        # uuid4() reads the OS entropy source on every call, and threading.Event is ~1 KB.
        self.actor_urn = uuid.UUID(int=_urn_random.getrandbits(128), version=4).urn
        self.actor_inbox = self._create_actor_inbox()
        self.actor_stopped = StoppedFlag()
        self._actor_ref = pykka.ActorRef(self)
        cls = type(self)
        pool = cls.pool if cls.pool is not None else default_pool()
        self.actor_inbox.bind(cls.__name__, pool, self._run_turn, cls.mailbox_limit)

    @classmethod
    def start(cls, *args: Any, **kwargs: Any) -> pykka.ActorRef[Self]:
        """Create the actor and schedule its first turn (``on_start``) on the pool.

        Returns:
            The actor's ref. Messages sent right away queue behind ``on_start``.

        Raises:
            PoolShutDown: if the actor's pool was shut down.
        """
        obj = cls(*args, **kwargs)
        _introspection.register(obj)
        try:
            obj._start_actor_loop()
        except BaseException:
            _introspection.unregister(obj)
            raise
        return obj.actor_ref

    def _start_actor_loop(self) -> None:
        self.actor_inbox.open()

    def _run_turn(self) -> None:
        mailbox = self.actor_inbox
        if not mailbox.setup_done:
            mailbox.setup_done = True
            self._actor_loop_setup()
        if not self.actor_stopped.is_set():
            mailbox.begin_turn(self.turn_size)
            with contextlib.suppress(EndOfTurn):
                self._actor_loop_running()
        if self.actor_stopped.is_set():
            self._terminate()
        else:
            mailbox.end_turn(time.monotonic())

    def _handle_failure(
        self,
        exception_type: type[BaseException] | None,
        exception_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.actor_inbox.failure is None:
            self.actor_inbox.failure = exception_value or RuntimeError("unknown failure")
        super()._handle_failure(exception_type, exception_value, traceback)

    def _close_mailbox(self) -> None:
        """Refuse new messages; subclasses may take the queued ones first (Directory does)."""
        self.actor_inbox.close()

    def _terminate(self) -> None:
        mailbox = self.actor_inbox
        self._close_mailbox()
        mailbox.close()
        dropped = mailbox.pending_tells()
        if dropped:
            _metrics.get_metrics().dropped(mailbox.actor_name, dropped)
            logger.warning(
                "actor stopped with tell messages unprocessed",
                extra={"actor": str(self), "dropped": dropped},
            )
        self._actor_loop_teardown()
        _introspection.unregister(self)
        if mailbox.failure is not None:
            _metrics.get_metrics().failed(mailbox.actor_name)
        mailbox.last_activity = time.monotonic()
        mailbox.terminated(self.actor_ref)


def watch(ref: pykka.ActorRef[Any], watcher: Watcher) -> None:
    """Call ``watcher(ref, failure)`` once the PooledActor behind ``ref`` terminated.

    ``failure`` is the exception that stopped it, or None for a normal stop. If the actor
    already terminated, the watcher runs immediately in the caller.

    Raises:
        TypeError: if ``ref`` is not a PooledActor's ref.
    """
    inbox = ref.actor_inbox
    if not isinstance(inbox, Mailbox):
        raise TypeError(f"only PooledActor refs can be watched, not {ref}")
    inbox.watch(ref, watcher)
