"""The snapshot writer: persists actor snapshots behind the actors, in group commits.

Actors ``submit`` a snapshot after each transition; only the newest per key waits. A key is
written once it has ``every_transitions`` unwritten transitions or has waited ``every_s``
seconds, many keys per ``save_many`` call (up to ``batch_size``), and at once on ``flush`` (for
passivation) and ``stop`` (for shutdown). A background thread does the I/O; ``submit`` never
blocks on it.

Versions: an actor submits ``version = restored_version + 1`` (1 for a new key) for its whole
activation. The writer stores the newest submission; once it has stored a key it chains the
versions itself (``v + 1`` per write), so submissions collapsed into one write never conflict.
A CONFLICT therefore means another writer stored the key since the actor restored it (or the
actor's version fell behind what was stored): the snapshot is dropped and conflict observers
are told (the player repository has the actor load again).

When the store fails, a circuit breaker stops the calls for a while; pending snapshots stay in
memory (newest per key) and are retried until they land, in halved batches after each failure
(a batch too big for the store's timeout must not fail forever), growing back on success.
Players keep playing meanwhile, and the inbox keeps every update a lost snapshot would cover.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from yabot.config import StorageSettings
from yabot.observability.logging import get_logger
from yabot.resilience import Backoff, BreakerState, CircuitBreaker
from yabot.storage.snapshots.base import (
    SaveOutcome,
    SaveStatus,
    Snapshot,
    SnapshotConflict,
    SnapshotStore,
)
from yabot.storage.snapshots.metrics import (
    SNAPSHOT_BATCH_SECONDS,
    SNAPSHOT_BATCH_SIZE,
    SNAPSHOT_BATCHES,
    SNAPSHOT_CONFLICTS,
    SNAPSHOT_PENDING,
    SNAPSHOT_SAVED,
)

log = get_logger(__name__)

DurableObserver = Callable[[list[Snapshot]], None]
ConflictObserver = Callable[[SnapshotConflict], None]


@dataclasses.dataclass(slots=True)
class _Pending:
    snapshot: Snapshot
    seq: int
    first_seq: int
    transitions: int
    dirty_since: float


@dataclasses.dataclass(slots=True)
class _KeyState:
    stored_version: int | None = None
    durable_seq: int | None = None
    settled_seq: int = 0
    settled_ok: bool = True


class SnapshotWriter:
    """Group-commits snapshots to a :class:`SnapshotStore` from one background thread."""

    def __init__(
        self,
        store: SnapshotStore,
        *,
        batch_size: int = 500,
        every_transitions: int = 20,
        every_s: float = 2.0,
        breaker: CircuitBreaker | None = None,
        retry_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if batch_size < 1 or every_transitions < 1 or every_s <= 0 or retry_s <= 0:
            raise ValueError("batch_size and every_transitions must be >= 1, every_s > 0")
        self._store = store
        self._batch_size = batch_size
        self._limit = batch_size  # halved after a failed batch (a timeout), regrown on success
        self._every_transitions = every_transitions
        self._every_s = every_s
        self._retry_s = retry_s
        self._clock = clock
        self.breaker = breaker or CircuitBreaker(
            "snapshot_store", failure_threshold=3, reset_s=max(1.0, every_s)
        )
        self._cond = threading.Condition()
        self._pending: dict[str, _Pending] = {}
        self._inflight: dict[str, _Pending] = {}
        self._keys: dict[str, _KeyState] = {}
        self._due: set[str] = set()
        self._flush_keys: set[str] = set()
        self._flush_all_seq = 0
        self._seq = 0
        self._retry_at = 0.0
        self._failures_in_row = 0
        self._stopping = False
        self._abandon = False
        self._thread: threading.Thread | None = None
        self._durable_observers: list[DurableObserver] = []
        self._conflict_observers: list[ConflictObserver] = []
        self._last_success: float | None = None
        self._last_error: str | None = None

    @classmethod
    def from_settings(
        cls, store: SnapshotStore, settings: StorageSettings, **kwargs: Any
    ) -> SnapshotWriter:
        """Build with ``[storage] snapshot_*`` settings (breaker included).

        Actors already decide when a snapshot is due (``snapshot_every_transitions`` or
        ``snapshot_every_s``), so what they submit waits only ``snapshot_linger_s`` to share a
        group commit; it does not wait ``snapshot_every_s`` a second time.
        """
        kwargs.setdefault(
            "breaker",
            CircuitBreaker(
                "snapshot_store",
                failure_threshold=settings.snapshot_breaker_failures,
                reset_s=settings.snapshot_breaker_reset_s,
            ),
        )
        return cls(
            store,
            batch_size=settings.snapshot_batch_size,
            every_transitions=settings.snapshot_every_transitions,
            every_s=settings.snapshot_linger_s,
            **kwargs,
        )

    # -- the actors' side -------------------------------------------------------------------

    def submit(self, snapshot: Snapshot, *, transitions: int = 1) -> None:
        """Queue ``snapshot`` (replacing any unwritten one of its key). Thread-safe, no I/O.

        Args:
            snapshot: The actor's current state; ``version`` is its restored version + 1.
            transitions: How many transitions this submission covers.
        """
        with self._cond:
            self._seq += 1
            now = self._clock()
            current = self._pending.get(snapshot.key)
            if current is None:
                self._pending[snapshot.key] = _Pending(
                    snapshot, self._seq, self._seq, transitions, now
                )
                current = self._pending[snapshot.key]
                if len(self._pending) == 1:
                    self._cond.notify_all()  # the writer may be idle with no deadline
            else:
                current.snapshot = snapshot
                current.seq = self._seq
                current.transitions += transitions
            if current.transitions >= self._every_transitions:
                self._due.add(snapshot.key)
                self._cond.notify_all()
            elif len(self._pending) >= self._batch_size:
                self._cond.notify_all()
            SNAPSHOT_PENDING.set(len(self._pending) + len(self._inflight))

    def flush(self, keys: Iterable[str] | None = None, timeout: float | None = None) -> bool:
        """Write the given keys' (or all) waiting snapshots now and wait until they are durable.

        Args:
            keys: Keys to flush; None flushes every key submitted so far.
            timeout: Seconds to wait at most; None waits as long as it takes.

        Returns:
            True when every snapshot submitted before the call for those keys is durable;
            False on timeout, when one was refused (conflict, rejected) or when the writer is
            not running. Blocks: from asyncio, call it through ``loop.run_in_executor``.
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError("flush() from the writer thread (an observer) would deadlock")
        deadline = None if timeout is None else self._clock() + timeout
        with self._cond:
            targets = self._unsettled(keys)
            if not targets:
                return True  # nothing to wait for: leave the writer asleep
            if keys is None:
                self._flush_all_seq = max(self._flush_all_seq, self._seq)
            else:
                self._flush_keys.update(k for k in targets if k in self._pending)
            self._cond.notify_all()
            while not all(self._settled(k, seq) for k, seq in targets.items()):
                remaining = None if deadline is None else deadline - self._clock()
                if remaining is not None and remaining <= 0:
                    return False
                if self._thread is None or not self._thread.is_alive():
                    return False
                self._cond.wait(remaining)
            return all(self._keys.get(k, _KeyState()).settled_ok for k in targets)

    def durable_seq(self, key: str) -> int | None:
        """``seq`` of the newest snapshot of ``key`` this writer made durable."""
        with self._cond:
            state = self._keys.get(key)
            return None if state is None else state.durable_seq

    def durable_version(self, key: str) -> int | None:
        """Version of the newest snapshot of ``key`` this writer stored."""
        with self._cond:
            state = self._keys.get(key)
            return None if state is None else state.stored_version

    def pending_snapshot(self, key: str) -> Snapshot | None:
        """The newest submitted snapshot of ``key`` that is not durable yet, with the version
        it is written with (the submitted one, or the next after the last this writer stored).

        An actor re-activated while its last snapshot still waits (say, MongoDB is down)
        restores from this instead of the store, with ``restored_version = version - 1``.
        """
        with self._cond:
            waiting = self._pending.get(key) or self._inflight.get(key)
            return None if waiting is None else self._versioned(waiting)

    def forget(self, key: str) -> None:
        """Drop what the writer remembers of ``key`` (after its actor was flushed and stopped)."""
        with self._cond:
            if key not in self._pending and key not in self._inflight:
                self._keys.pop(key, None)

    def on_durable(self, observer: DurableObserver) -> None:
        """Call ``observer(snapshots)`` from the writer thread after each group commit."""
        self._durable_observers.append(observer)

    def on_conflict(self, observer: ConflictObserver) -> None:
        """Call ``observer(conflict)`` from the writer thread for each refused snapshot."""
        self._conflict_observers.append(observer)

    def pending_count(self) -> int:
        """Snapshots not yet durable (waiting or being written)."""
        with self._cond:
            return len(self._pending) + len(self._inflight)

    def health(self) -> dict[str, Any]:
        """Whether snapshots are landing: breaker state, backlog, last success and error."""
        with self._cond:
            return {
                "healthy": self.breaker.state is BreakerState.CLOSED and self._failures_in_row == 0,
                "running": self._thread is not None and self._thread.is_alive(),
                "pending": len(self._pending) + len(self._inflight),
                "breaker": self.breaker.health(),
                "seconds_since_success": (
                    None
                    if self._last_success is None
                    else round(self._clock() - self._last_success, 3)
                ),
                "last_error": self._last_error,
            }

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background thread."""
        with self._cond:
            if self._thread is not None:
                raise RuntimeError("SnapshotWriter already started")
            self._thread = threading.Thread(target=self._run, name="snapshot-writer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Write everything waiting, then stop the thread.

        Returns:
            True if every submitted snapshot is durable. False if the store stayed down past
            ``timeout``: the unwritten ones are logged; the inbox still holds their updates.
        """
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        with self._cond:
            self._abandon = True
            self._cond.notify_all()
            lost = len(self._pending) + len(self._inflight)
        if thread is not None:
            thread.join(1.0)
        if lost:
            log.error("snapshot_writer_stopped_with_unwritten", unwritten=lost)
        return lost == 0

    # -- the writer thread ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                batch = self._next_batch()
                if batch is None:
                    return
            if batch:
                self._write(batch)

    def _next_batch(self) -> list[_Pending] | None:
        """Wait (holding the condition) for due snapshots; None means stop."""
        while True:
            if self._abandon or (self._stopping and not self._pending):
                return None
            now = self._clock()
            if now < self._retry_at:
                self._cond.wait(self._retry_at - now)
                continue
            batch = self._take_due(now)
            if batch:
                return batch
            wait = None
            if self._pending:
                oldest = next(iter(self._pending.values()))
                wait = max(0.0, oldest.dirty_since + self._every_s - now)
            self._cond.wait(wait)

    def _take_due(self, now: float) -> list[_Pending]:
        keys: list[str] = []
        everything = self._stopping
        for key, p in self._pending.items():
            if len(keys) >= self._limit:
                break
            if (
                everything
                or p.first_seq <= self._flush_all_seq
                or p.dirty_since + self._every_s <= now
            ):
                keys.append(key)
            else:
                break
        chosen = dict.fromkeys(keys)
        for key in [*self._flush_keys, *self._due]:
            if len(chosen) >= self._limit:
                break
            if key in self._pending:
                chosen[key] = None
        batch = []
        for key in chosen:
            p = self._pending.pop(key)
            self._due.discard(key)
            self._flush_keys.discard(key)
            self._inflight[key] = p
            batch.append(p)
        if len(self._flush_keys) + len(self._due) > 4 * self._batch_size:
            self._flush_keys &= self._pending.keys()
            self._due &= self._pending.keys()
        return batch

    def _versioned(self, p: _Pending) -> Snapshot:
        state = self._keys.get(p.snapshot.key)
        chained = 0 if state is None or state.stored_version is None else state.stored_version + 1
        version = max(chained, p.snapshot.version)
        if version == p.snapshot.version:
            return p.snapshot
        return dataclasses.replace(p.snapshot, version=version)

    def _write(self, batch: list[_Pending]) -> None:
        with self._cond:
            snapshots = [self._versioned(p) for p in batch]
        if not self.breaker.allow():
            self._put_back(batch, None, self.breaker.seconds_until_probe())
            return
        started = time.perf_counter()
        try:
            outcomes = self._store.save_many(snapshots)
        except Exception as exc:  # a failing store must never kill the writer thread
            self.breaker.record_failure(exc)
            SNAPSHOT_BATCHES.labels("error").inc()
            delay = Backoff(self._retry_s, self._every_s, jitter=False).delay(
                self._failures_in_row + 1
            )
            log.warning(
                "snapshot_batch_failed", error=str(exc)[:300], size=len(batch), retry_in_s=delay
            )
            self._put_back(batch, str(exc)[:300], delay)
            return
        self.breaker.record_success()
        SNAPSHOT_BATCHES.labels("ok").inc()
        SNAPSHOT_BATCH_SIZE.observe(len(batch))
        SNAPSHOT_BATCH_SECONDS.observe(time.perf_counter() - started)
        self._settle(batch, snapshots, outcomes)

    def _put_back(self, batch: list[_Pending], error: str | None, delay: float) -> None:
        """Return a batch to the pending set; ``error`` None means the circuit was open."""
        with self._cond:
            if error is not None:
                self._failures_in_row += 1
                self._limit = max(1, len(batch) // 2)
                self._last_error = error
            self._retry_at = self._clock() + delay
            restored: dict[str, _Pending] = {}
            for p in batch:
                del self._inflight[p.snapshot.key]
                newer = self._pending.pop(p.snapshot.key, None)
                if newer is not None:
                    newer.first_seq = p.first_seq
                    newer.dirty_since = p.dirty_since
                    newer.transitions += p.transitions
                restored[p.snapshot.key] = newer or p
            merged = {**restored, **self._pending}
            # keep the oldest-dirty-first order that _take_due's early exit relies on
            self._pending = dict(sorted(merged.items(), key=lambda item: item[1].dirty_since))
            self._cond.notify_all()

    def _settle(
        self, batch: list[_Pending], written: list[Snapshot], outcomes: list[SaveOutcome]
    ) -> None:
        durable = [s for s, o in zip(written, outcomes, strict=True) if o.saved]
        conflicts = [o.conflict for o in outcomes if o.conflict is not None]
        for outcome in outcomes:
            if outcome.status is SaveStatus.REJECTED:
                log.error("snapshot_rejected", key=outcome.key, error=outcome.error)
            elif outcome.status is SaveStatus.FENCED:  # cluster mode: the shard is not ours
                log.warning("snapshot_fenced", key=outcome.key, version=outcome.version)
        SNAPSHOT_SAVED.inc(len(durable))
        SNAPSHOT_CONFLICTS.inc(len(conflicts))
        self._notify(durable, conflicts)
        with self._cond:
            self._failures_in_row = 0
            self._limit = min(self._batch_size, self._limit * 2)
            self._last_success = self._clock()
            for p, snap, outcome in zip(batch, written, outcomes, strict=True):
                del self._inflight[snap.key]
                state = self._keys.setdefault(snap.key, _KeyState())
                state.settled_seq = p.seq
                state.settled_ok = outcome.saved
                if outcome.saved:
                    state.stored_version = snap.version
                    state.durable_seq = snap.seq
                else:
                    state.stored_version = None
            SNAPSHOT_PENDING.set(len(self._pending) + len(self._inflight))
            self._cond.notify_all()

    def _notify(self, durable: list[Snapshot], conflicts: list[SnapshotConflict]) -> None:
        for conflict in conflicts:
            log.warning(
                "snapshot_conflict",
                key=conflict.key,
                version=conflict.version,
                stored_version=conflict.stored_version,
            )
            for conflict_observer in self._conflict_observers:
                try:
                    conflict_observer(conflict)
                except Exception:
                    log.exception("snapshot_conflict_observer_failed", key=conflict.key)
        if durable:
            for observer in self._durable_observers:
                try:
                    observer(durable)
                except Exception:
                    log.exception("snapshot_durable_observer_failed", size=len(durable))

    def _settled(self, key: str, seq: int) -> bool:
        state = self._keys.get(key)
        return state is None or state.settled_seq >= seq

    def _unsettled(self, keys: Iterable[str] | None) -> dict[str, int]:
        """Latest submission seq of each key that is waiting or being written."""
        sources = (self._inflight, self._pending)  # a pending one is newer than one in flight
        if keys is None:
            found = [(key, p) for source in sources for key, p in source.items()]
        else:
            found = [(key, source[key]) for key in set(keys) for source in sources if key in source]
        targets: dict[str, int] = {}
        for key, p in found:
            targets[key] = p.seq
            self._keys.setdefault(key, _KeyState())
        return targets
