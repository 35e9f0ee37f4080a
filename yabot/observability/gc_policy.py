"""The cyclic garbage collector, kept off the latency path.

CPython's collector walks every object it tracks in the oldest generation on a full
collection: with tens of thousands of resident players that is a stop-the-world pause of
100 ms to seconds, every few seconds while players are being activated (measured in
docs/benchmarks.md). Player states are long-lived and almost free of reference cycles, so
scanning them again and again finds nothing.

The policy: full collections never start on their own (the oldest generation's threshold is
set out of reach). The young generations are collected on a timer, every ``young_every_s``,
which frees the cycles that die young in pauses bounded by what that fraction of a second
allocated. CPython 3.11 starts a young collection only when allocations minus deallocations of
tracked objects pass 700; a server that replaces each player's state on every update frees
about as much as it allocates, so that count barely moves while the young generation fills
with tens of thousands of live new states. Left alone, the collection came every few seconds
and walked 50,000-70,000 objects: pauses of 50-90 ms, in whatever thread allocated
(docs/benchmarks.md). Every ``freeze_every_s`` what survived is frozen (``gc.freeze``: moved,
in O(1), where the collector never looks), so that not even a ``gc.collect()`` called by a
library scans the players' states. Every ``full_every_s`` everything is unfrozen and collected
once, which frees the cycles that became garbage after they had survived the young
collections (with the timer, any cycle that lived longer than about ``young_every_s``; a full
pass 45 s into a 1,000 updates/s load found 0 such objects); that pause is measured and logged.
Objects without cycles are freed by reference counting as always. Frozen objects are not
listed by ``gc.get_objects()`` (debugging tools that walk the heap see them after
``gc.unfreeze()``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prometheus_client import Gauge, Histogram

from yabot.observability.logging import get_logger

if TYPE_CHECKING:
    from yabot.config import RuntimeSettings

log = get_logger(__name__)

GC_PAUSE_SECONDS = Histogram(
    "yabot_gc_pause_seconds",
    "Time the cyclic garbage collector held the process, by generation",
    ["generation"],
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
GC_FROZEN_OBJECTS = Gauge(
    "yabot_gc_frozen_objects",
    "Objects in the collector's permanent generation (gc.freeze), counted at start and after "
    "each full pass (counting walks every frozen object)",
)
LONG_PAUSE_S = 0.05
NEVER = 1_000_000_000

_started: list[float] = [0.0]
_pause_by_generation = [GC_PAUSE_SECONDS.labels(str(g)) for g in range(3)]


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    elapsed = time.perf_counter() - _started[0]
    generation = min(int(info.get("generation", 2)), 2)
    _pause_by_generation[generation].observe(elapsed)
    if elapsed >= LONG_PAUSE_S:
        log.warning(
            "gc.long_pause",
            generation=generation,
            ms=round(elapsed * 1000, 1),
            collected=info.get("collected"),
        )


def watch_gc_pauses(on: bool = True) -> None:
    """Measure every collection (``yabot_gc_pause_seconds``) and log the long ones, or stop."""
    if on and _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
    elif not on and _on_gc in gc.callbacks:
        gc.callbacks.remove(_on_gc)


@dataclass
class GcPolicy:
    """Runs the policy in the module docstring on the event loop.

    Args:
        freeze_every_s: Collect the young generations and freeze the survivors this often;
            0 leaves CPython's own collector settings alone.
        full_every_s: Unfreeze and run one full collection this often.
        young_every_s: Collect the young generations this often in between; 0 leaves them
            to CPython's allocation count.
    """

    freeze_every_s: float
    full_every_s: float
    young_every_s: float = 0.1
    _task: asyncio.Task[None] | None = None
    _saved_threshold: tuple[int, int, int] | None = None

    @classmethod
    def from_settings(cls, runtime: RuntimeSettings) -> GcPolicy:
        """The policy ``runtime.gc_*`` configures (every YABOT process runs this one)."""
        return cls(runtime.gc_freeze_every_s, runtime.gc_full_every_s, runtime.gc_young_every_s)

    @property
    def enabled(self) -> bool:
        """False when CPython's own collector settings are kept."""
        return self.freeze_every_s > 0

    def start(self) -> None:
        """Freeze what start-up built, stop automatic full collections, start the timer."""
        watch_gc_pauses()
        if not self.enabled or self._task is not None:
            return
        young, middle, _ = gc.get_threshold()
        self._saved_threshold = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)
        self.freeze_survivors()
        GC_FROZEN_OBJECTS.set(gc.get_freeze_count())
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop the timer and the measuring; give the collector back its own settings."""
        watch_gc_pauses(on=False)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._saved_threshold is not None:
            gc.set_threshold(*self._saved_threshold)
            gc.unfreeze()
            self._saved_threshold = None

    def freeze_survivors(self) -> int:
        """Collect the young generations, then freeze everything still tracked.

        Returns:
            The number of objects freed.
        """
        collected = gc.collect(1)
        # O(1). Not gc.get_freeze_count(): it walks the permanent generation with the GIL
        # held (70 ms for 4 million objects), a stall of the event loop every freeze.
        gc.freeze()
        return collected

    def collect_all(self) -> int:
        """Unfreeze, run a full collection, freeze again; return the objects it freed."""
        started = time.perf_counter()
        gc.unfreeze()
        collected = gc.collect()
        gc.freeze()
        frozen = gc.get_freeze_count()
        GC_FROZEN_OBJECTS.set(frozen)
        log.info(
            "gc.full_collection",
            ms=round((time.perf_counter() - started) * 1000, 1),
            frozen=frozen,
            collected=collected,
        )
        return collected

    def collect_young(self) -> int:
        """Collect the young generations (their survivors go to the oldest); return the
        objects freed."""
        return gc.collect(1)

    async def _run(self) -> None:
        now = time.monotonic()
        next_freeze = now + self.freeze_every_s
        next_full = now + self.full_every_s
        step = self.freeze_every_s
        if self.young_every_s > 0:
            step = min(step, self.young_every_s)
        while True:
            await asyncio.sleep(step)
            now = time.monotonic()
            if now >= next_full:
                self.collect_all()
                next_full = time.monotonic() + self.full_every_s
                next_freeze = time.monotonic() + self.freeze_every_s
            elif now >= next_freeze:
                self.freeze_survivors()
                next_freeze = time.monotonic() + self.freeze_every_s
            else:
                self.collect_young()
