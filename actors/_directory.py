"""Directory: keyed actors activated on demand and passivated when idle.

``Directory.tell(key, msg)`` / ``ask(key, msg)`` find the key's actor in a dict (O(1)) or
start one; both only take an in-memory lock and never do I/O, so they are safe on an asyncio
event-loop thread. State moves through two callables given to the Directory:

- ``loader(key) -> state`` runs in the new actor's ``on_start``, on a pool thread, before
  any message of the key is handled (e.g. latest snapshot + replay of the inbox);
- ``saver(key, state) -> None`` runs on a pool thread, in the actor's own turn, when it is
  passivated (idle timeout, resident cap, ``passivate()``, ``stop_all()``) or stopped.

Guarantees: one live actor per key at any time (a new incarnation starts only after the
previous one saved and retired); a message accepted by ``tell``/``ask`` is handled by some
incarnation (a passivation that finds new mail is cancelled; mail queued behind a crash is
carried to the restarted incarnation). A crashed actor's state is not saved: its supervisor
restarts it through the loader (last persisted state). Without a supervisor, a crash simply
retires the actor; the next message activates it again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

import pykka
from pykka._envelope import Envelope

from actors import _introspection, _metrics
from actors._future import PooledFuture, wrap_future
from actors._mailbox import MailboxFull, SystemMessage
from actors._pooled import PooledActor, default_pool
from actors._supervision import Restart, Supervisor, supervise
from actors._timers import TimerHandle

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
S = TypeVar("S")

Loader = Callable[[K], S]
Saver = Callable[[K, S], None]


class DirectoryClosed(RuntimeError):
    """A message was sent to a Directory after ``stop_all()``."""


class _Passivate(SystemMessage):
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class KeyedActor(PooledActor, Generic[K, S]):
    """The actor of one key of a Directory; its state is ``self.state``.

    Subclass it and handle messages in ``on_receive`` (or methods, through a proxy),
    mutating ``self.state``. ``on_start`` loads the state and ``on_stop`` saves it: call
    ``super()`` if you override them. Started by the Directory as
    ``cls(key, directory, **actor_kwargs)``.
    """

    state: S
    _retired = False

    def __init__(self, key: K, directory: Directory[K], **_: Any) -> None:
        super().__init__()
        self.actor_key = key
        self._directory = directory

    def on_start(self) -> None:
        """Load the state with the Directory's loader (on a pool thread)."""
        self.load_state()

    def load_state(self) -> None:
        """Replace the state with what the Directory's loader returns now (call from the
        actor's own turn: ``on_start``, or a subclass that knows its state went stale)."""
        self.state = self._directory.loader(self.actor_key)

    def on_stop(self) -> None:
        """Save the state, unless a passivation just did."""
        if not self._retired:
            self.save()

    def save(self) -> None:
        """Persist the state now with the Directory's saver (call from the actor's own turn)."""
        self._directory.saver(self.actor_key, self.state)

    def _handle_receive(self, message: Any) -> Any:
        if isinstance(message, _Passivate):
            return self._directory._passivate_in_turn(self, message.reason)
        return super()._handle_receive(message)

    def _close_mailbox(self) -> None:
        self._directory._incarnation_ended(self)


class _Entry:
    __slots__ = ("buffer", "last_used", "passivating", "ref")

    def __init__(self, ref: pykka.ActorRef[Any], now: float) -> None:
        self.ref: pykka.ActorRef[Any] | None = ref
        self.buffer: deque[Envelope[Any]] | None = None
        self.passivating = False
        self.last_used = now


class _Restarter(Generic[K]):
    """The supervisor's factory for one key (smaller than a closure or a partial)."""

    __slots__ = ("directory", "key")

    def __init__(self, directory: Directory[K], key: K) -> None:
        self.directory = directory
        self.key = key

    def __call__(self) -> pykka.ActorRef[Any] | None:
        return self.directory._respawn(self.key)

    def abandon(self) -> None:
        self.directory._abandon(self.key)


class Directory(Generic[K]):
    """Get-or-activate keyed actors, with idle passivation and a cap on resident actors.

    Args:
        actor_class: a KeyedActor subclass.
        loader: ``loader(key) -> state``; may do I/O (runs on a pool thread).
        saver: ``saver(key, state)``; may do I/O (runs on a pool thread).
        name: label of the metrics and logs.
        idle_timeout: seconds without a message after which ``sweep()`` passivates an actor
            (None: never).
        max_resident: soft cap on resident actors; activating beyond it passivates the
            least recently used idle ones (None: no cap).
        supervisor: a Supervisor ref that restarts crashed actors through the loader (with
            its backoff and intensity); settable later with ``use_supervisor``.
        supervisor_for: ``supervisor_for(key)`` picks the Supervisor of each key (e.g. one
            per shard); it overrides ``supervisor``.
        actor_kwargs: extra keyword arguments for ``actor_class``.
    """

    def __init__(
        self,
        actor_class: type[KeyedActor[K, Any]],
        loader: Loader[K, Any],
        saver: Saver[K, Any],
        *,
        name: str = "directory",
        idle_timeout: float | None = 300.0,
        max_resident: int | None = None,
        supervisor: pykka.ActorRef[Supervisor] | None = None,
        supervisor_for: Callable[[K], pykka.ActorRef[Supervisor] | None] | None = None,
        actor_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        if idle_timeout is not None and idle_timeout <= 0:
            raise ValueError(f"idle_timeout must be > 0 or None, got {idle_timeout}")
        if max_resident is not None and max_resident < 1:
            raise ValueError(f"max_resident must be >= 1 or None, got {max_resident}")
        self.actor_class = actor_class
        self.loader = loader
        self.saver = saver
        self.name = name
        self.idle_timeout = idle_timeout
        self.max_resident = max_resident
        self.supervisor = supervisor
        self.supervisor_for = supervisor_for
        self._actor_kwargs = dict(actor_kwargs or {})
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._entries: OrderedDict[K, _Entry] = OrderedDict()
        self._passivating = 0
        self._closed = False
        self._sweeper: TimerHandle | None = None
        _introspection.register_directory(self)

    def use_supervisor(self, supervisor: pykka.ActorRef[Supervisor] | None) -> None:
        """Supervise actors activated from now on with ``supervisor``."""
        self.supervisor = supervisor

    # --- sending -------------------------------------------------------------------------

    def tell(self, key: K, message: Any) -> None:
        """Deliver ``message`` to the actor of ``key``, activating it if needed. O(1).

        Raises:
            MailboxFull: the actor's mailbox is full (nothing was queued).
            DirectoryClosed: after ``stop_all()``.
        """
        self._deliver(key, Envelope(message))

    def ask(self, key: K, message: Any) -> PooledFuture[Any]:
        """Like ``tell`` but returns a future of the reply (never blocks).

        The future can be awaited on an event loop without blocking it, or ``get()`` from a
        thread.
        """
        future: PooledFuture[Any] = PooledFuture()
        self._deliver(key, Envelope(message, reply_to=future))
        return future

    async def ask_async(self, key: K, message: Any, timeout: float | None = None) -> Any:
        """Await the reply to ``message`` without blocking the event loop.

        Raises:
            MailboxFull | DirectoryClosed: at once, as ``tell``.
            TimeoutError: no reply within ``timeout`` seconds.
        """
        return await asyncio.wait_for(wrap_future(self.ask(key, message)), timeout)

    # --- inspection ----------------------------------------------------------------------

    def resident_count(self) -> int:
        """Keys with a live (or restarting) actor."""
        return len(self._entries)

    def keys(self) -> list[K]:
        """Resident keys, least recently used first."""
        with self._lock:
            return list(self._entries)

    def is_resident(self, key: K) -> bool:
        """True if ``key`` has a live (or restarting) actor."""
        return key in self._entries

    # --- passivation ---------------------------------------------------------------------

    def passivate(self, key: K) -> bool:
        """Ask the actor of ``key`` to save and stop once its queued messages are handled.

        Returns:
            True if a passivation was requested (False: not resident or already passivating).
        """
        with self._lock:
            entry = self._entries.get(key)
            return entry is not None and self._request_passivation(entry, "manual")

    def sweep(self, now: float | None = None) -> int:
        """Request passivation of every actor idle for ``idle_timeout``; returns how many."""
        if self.idle_timeout is None:
            return 0
        cutoff = (time.monotonic() if now is None else now) - self.idle_timeout
        requested = 0
        with self._lock:
            idle = []
            for entry in self._entries.values():
                if entry.last_used > cutoff:
                    break
                idle.append(entry)
            for entry in idle:
                requested += self._request_passivation(entry, "idle")
        return requested

    def start_sweeper(self, interval: float) -> None:
        """Call ``sweep()`` every ``interval`` seconds on the pool's timer thread."""
        pool = self.actor_class.pool or default_pool()

        def tick() -> None:
            try:
                self.sweep()
            finally:
                with self._lock:
                    if self._sweeper is not None and not self._closed:
                        self._sweeper = pool.call_later(interval, tick)

        with self._lock:
            self._sweeper = pool.call_later(interval, tick)

    def stop_sweeper(self) -> None:
        """Stop the periodic sweep."""
        with self._lock:
            sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()

    def stop_all(self, timeout: float | None = 10.0) -> bool:
        """Refuse new messages, passivate (save) every actor and wait until none is left.

        Blocks: call it from a shutdown path, not from an event loop or an actor.

        Returns:
            True if every actor saved and stopped within ``timeout`` seconds.
        """
        self.stop_sweeper()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._closed = True
            for key, entry in list(self._entries.items()):
                if entry.ref is None:
                    self._abandon_entry(key, entry)
                else:
                    self._request_passivation(entry, "shutdown")
            while self._entries:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    logger.error(
                        "directory %s stop_all timed out with %d actors left",
                        self.name,
                        len(self._entries),
                        extra={"directory": self.name, "left": len(self._entries)},
                    )
                    return False
                self._changed.wait(remaining)
        return True

    # --- internals (called with or without the lock as noted) ----------------------------

    def _deliver(self, key: K, envelope: Envelope[Any]) -> None:
        now = time.monotonic()
        with self._lock:
            if self._closed:
                _metrics.get_metrics().rejected(self.actor_class.__name__, "directory_closed")
                logger.warning("message refused: directory stopped", extra={"directory": self.name})
                raise DirectoryClosed(f"directory {self.name} is stopped")
            entry = self._entries.get(key)
            activated = entry is None
            if entry is None:
                entry = _Entry(self._start(key), now)
                self._entries[key] = entry
                _metrics.get_metrics().activated(self.name)
            else:
                self._entries.move_to_end(key)
                entry.last_used = now
            ref = entry.ref
            if ref is not None:
                ref.actor_inbox.put(envelope)
            else:
                self._buffer(entry, envelope)
            if activated and self.max_resident is not None:
                self._enforce_cap()

    def _buffer(self, entry: _Entry, envelope: Envelope[Any]) -> None:
        """Hold mail for an actor that is waiting to be restarted (lock held)."""
        if entry.buffer is None:
            entry.buffer = deque()
        limit = self.actor_class.mailbox_limit
        if limit is not None and len(entry.buffer) >= limit:
            _metrics.get_metrics().rejected(self.actor_class.__name__, "mailbox_full")
            raise MailboxFull(f"{self.actor_class.__name__} (restarting)", limit)
        entry.buffer.append(envelope)

    def _supervisor_of(self, key: K) -> pykka.ActorRef[Supervisor] | None:
        if self.supervisor_for is not None:
            return self.supervisor_for(key)
        return self.supervisor

    def _start(self, key: K) -> pykka.ActorRef[Any]:
        """Start an incarnation for ``key`` (lock held; cheap, no I/O)."""
        ref = self.actor_class.start(key, self, **self._actor_kwargs)
        supervisor = self._supervisor_of(key)
        if supervisor is not None:
            try:
                restarter = _Restarter(self, key)
                supervise(
                    supervisor,
                    key,
                    restarter,
                    restart=Restart.TRANSIENT,
                    ref=ref,
                    on_abandon=restarter.abandon,
                )
            except pykka.ActorDeadError:
                logger.error(
                    "directory supervisor is dead; actor runs unsupervised",
                    extra={"directory": self.name},
                )
        return ref

    def _enforce_cap(self) -> None:
        """Passivate least recently used idle actors beyond ``max_resident`` (lock held)."""
        assert self.max_resident is not None
        excess = len(self._entries) - self._passivating - self.max_resident
        if excess <= 0:
            return
        budget = 4 * excess + 16
        for entry in self._entries.values():
            if excess <= 0 or budget <= 0:
                break
            budget -= 1
            ref = entry.ref
            if entry.passivating or ref is None or not ref.actor_inbox.empty():
                continue
            excess -= self._request_passivation(entry, "cap")

    def _request_passivation(self, entry: _Entry, reason: str) -> bool:
        """Queue a passivation request behind the actor's mail (lock held)."""
        ref = entry.ref
        if entry.passivating or ref is None:
            return False
        try:
            ref.actor_inbox.put(Envelope(_Passivate(reason)))
        except pykka.ActorDeadError:
            return False
        entry.passivating = True
        self._passivating += 1
        return True

    def _passivate_in_turn(self, actor: KeyedActor[K, Any], reason: str) -> None:
        """Save, then retire the actor unless mail arrived meanwhile (in the actor's turn)."""
        actor.save()
        key, ref, mailbox = actor.actor_key, actor.actor_ref, actor.actor_inbox
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.ref is not ref:
                return
            if not mailbox.empty():
                if self._closed:
                    mailbox.put(Envelope(_Passivate(reason)))
                else:
                    entry.passivating = False
                    self._passivating -= 1
                return
            mailbox.close()
            actor.actor_stopped.set()  # dead before the key can be activated again
            self._remove(key, entry)
        actor._retired = True
        _metrics.get_metrics().passivated(self.name, reason)
        actor._stop()

    def _incarnation_ended(self, actor: KeyedActor[K, Any]) -> None:
        """The actor stopped or crashed: close its mailbox and fix up its entry."""
        key, ref, mailbox = actor.actor_key, actor.actor_ref, actor.actor_inbox
        with self._lock:
            mailbox.close()
            entry = self._entries.get(key)
            if entry is None or entry.ref is not ref:
                return
            supervisor = self._supervisor_of(key)
            supervised = supervisor is not None and supervisor.is_alive()
            if mailbox.failure is not None and supervised and not self._closed:
                if entry.passivating:
                    entry.passivating = False
                    self._passivating -= 1
                entry.ref = None
                carried = [e for e in mailbox.drain() if not isinstance(e.message, _Passivate)]
                if carried:
                    entry.buffer = deque(carried) + (entry.buffer or deque())
                return
            self._remove(key, entry)

    def _respawn(self, key: K) -> pykka.ActorRef[Any] | None:
        """Supervisor factory: start a new incarnation and hand it the held mail."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.ref is not None:
                return None
            if self._closed:
                self._abandon_entry(key, entry)
                return None
            ref = self.actor_class.start(key, self, **self._actor_kwargs)
            for envelope in entry.buffer or ():
                ref.actor_inbox.put(envelope)
            entry.buffer = None
            entry.ref = ref
            return ref

    def _abandon(self, key: K) -> None:
        """Supervisor gave up on ``key``: fail its held mail."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.ref is None:
                self._abandon_entry(key, entry)

    def _abandon_entry(self, key: K, entry: _Entry) -> None:
        held = list(entry.buffer or ())
        self._remove(key, entry)
        dropped = 0
        for envelope in held:
            if envelope.reply_to is None:
                dropped += 1
                continue
            error = pykka.ActorDeadError(f"actor of {key!r} in {self.name} could not restart")
            envelope.reply_to.set_exception((type(error), error, None))
        if dropped:
            _metrics.get_metrics().dropped(self.actor_class.__name__, dropped)
            logger.error(
                "messages dropped: actor could not be restarted",
                extra={"directory": self.name, "dropped": dropped},
            )

    def _remove(self, key: K, entry: _Entry) -> None:
        if entry.passivating:
            self._passivating -= 1
        del self._entries[key]
        if not self._entries:
            self._changed.notify_all()  # stop_all waits for the last one
