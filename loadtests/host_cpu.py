"""What the whole host's CPUs did while a load level ran: busy, and stolen by the hypervisor.

These machines are shared virtual machines: in some minutes the hypervisor runs other guests
on "our" cores (steal time in ``/proc/stat``), and every process of the run, harness and bots
alike, gets less CPU than the host has cores. A latency figure means little without knowing
whether that happened, so the bench records it per level and per second.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from dataclasses import dataclass

SAMPLE_EVERY_S = 0.25
_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class CpuSample:
    """Cumulative CPU seconds of all cores at ``at`` (``time.monotonic()``)."""

    at: float
    busy_s: float
    steal_s: float


def read_proc_stat(text: str) -> tuple[float, float]:
    """(busy, steal) seconds summed over all cores, from the text of ``/proc/stat``.

    Busy is user + nice + system + irq + softirq; idle, iowait and steal are not busy.
    """
    for line in text.splitlines():
        if line.startswith("cpu "):
            fields = [int(value) for value in line.split()[1:]]
            user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
            steal = fields[7] if len(fields) > 7 else 0
            return (user + nice + system + irq + softirq) / _TICKS_PER_S, steal / _TICKS_PER_S
    raise ValueError("no 'cpu ' line in /proc/stat")


def _sample() -> CpuSample | None:
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            busy, steal = read_proc_stat(stat.read())
    except (OSError, ValueError):
        return None
    return CpuSample(time.monotonic(), busy, steal)


@dataclass(frozen=True)
class Window:
    """Host CPU over a stretch of time, in cores (1.0 = one core for the whole stretch)."""

    busy_cores: float
    steal_cores: float
    steal_by_second: list[float]

    def summary(self) -> dict[str, float]:
        return {
            "busy_cores": round(self.busy_cores, 2),
            "steal_cores": round(self.steal_cores, 2),
            "steal_cores_worst_second": round(max(self.steal_by_second, default=0.0), 2),
        }


class HostCpu:
    """Samples ``/proc/stat`` on a thread every ``SAMPLE_EVERY_S``; answers for any window.

    Off Linux (no ``/proc/stat``) every window reads as zero.
    """

    def __init__(self) -> None:
        self._samples: list[CpuSample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="host-cpu")

    def start(self) -> HostCpu:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        while True:
            sample = _sample()
            if sample is not None:
                self._samples.append(sample)
            if self._stop.wait(SAMPLE_EVERY_S):
                return

    def _at(self, when: float) -> CpuSample | None:
        samples = self._samples[:]
        if not samples:
            return None
        index = bisect.bisect_left([s.at for s in samples], when)
        return samples[min(index, len(samples) - 1)]

    def window(self, start: float, end: float) -> Window:
        """The host's CPU between two ``time.monotonic()`` values, and per second of it."""
        first, last = self._at(start), self._at(end)
        if first is None or last is None or last.at <= first.at:
            return Window(0.0, 0.0, [])
        span = last.at - first.at
        by_second = []
        for second in range(int(end - start)):
            a, b = self._at(start + second), self._at(start + second + 1)
            if a is not None and b is not None and b.at > a.at:
                by_second.append((b.steal_s - a.steal_s) / (b.at - a.at))
        return Window(
            (last.busy_s - first.busy_s) / span, (last.steal_s - first.steal_s) / span, by_second
        )
