"""Benchmark: PooledActor vs pykka's ThreadingActor with many resident actors.

``scripts/bench-actors [--quick]`` runs each scenario in its own subprocess (clean RSS),
prints a table, and ends with one JSON line holding every figure. ``--quick`` sends a quarter
of the messages and skips the Directory scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Any, ClassVar

import pykka

from actors import Directory, KeyedActor, PooledActor, Supervisor, WorkerPool, use_pool

STATE_BYTES = 2048
CALLERS = 16


def rss_mb() -> float:
    """Resident set size of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class _Behaviour:
    """The same handler for both actor kinds: ~2 KB of private state, count messages."""

    started: ClassVar[deque[None]] = deque()
    handled: ClassVar[deque[None]] = deque()

    def setup(self) -> None:
        self.state = random.randbytes(STATE_BYTES)
        self.seen = 0
        _Behaviour.started.append(None)

    def handle(self, message: Any) -> Any:
        self.seen += 1
        if message == "tell":
            _Behaviour.handled.append(None)
            return None
        return self.seen


class PooledBench(PooledActor):
    mailbox_limit = None

    def on_start(self) -> None:
        _Behaviour.setup(self)  # type: ignore[arg-type]

    def on_receive(self, message: Any) -> Any:
        return _Behaviour.handle(self, message)  # type: ignore[arg-type]


class ThreadingBench(pykka.ThreadingActor):
    use_daemon_thread = True

    def on_start(self) -> None:
        _Behaviour.setup(self)  # type: ignore[arg-type]

    def on_receive(self, message: Any) -> Any:
        return _Behaviour.handle(self, message)  # type: ignore[arg-type]


class KeyedBench(KeyedActor[int, bytes]):
    mailbox_limit = None

    def on_start(self) -> None:
        super().on_start()
        self.seen = 0
        _Behaviour.started.append(None)

    def on_receive(self, message: Any) -> Any:
        return _Behaviour.handle(self, message)  # type: ignore[arg-type]


class _Keyed:
    """Adapts a Directory key to the ``tell``/``ask`` calls the harness makes on refs."""

    __slots__ = ("directory", "key")

    def __init__(self, directory: Directory[int], key: int) -> None:
        self.directory = directory
        self.key = key

    def tell(self, message: Any) -> None:
        self.directory.tell(self.key, message)

    def ask(self, message: Any, timeout: float | None = None) -> Any:
        return self.directory.ask(self.key, message).get(timeout=timeout)


def _start_keyed(actors: int) -> list[Any]:
    supervisor = Supervisor.start("bench-users")
    directory: Directory[int] = Directory(
        KeyedBench,
        lambda key: random.randbytes(STATE_BYTES),
        lambda key, state: None,
        name="bench",
        idle_timeout=None,
        supervisor=supervisor,
    )
    handles = [_Keyed(directory, key) for key in range(actors)]
    for handle in handles:
        handle.tell("start")
    return handles


def _wait_for(counter: deque[None], target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(counter) < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(counter)} of {target} done")
        time.sleep(0.0005)


def run_scenario(kind: str, actors: int, tells: int, asks: int, workers: int) -> dict[str, Any]:
    """Start ``actors`` actors of ``kind`` and measure memory, start time, tell and ask."""
    actor_class: type[pykka.Actor] = ThreadingBench if kind == "threading" else PooledBench
    if kind != "threading":
        use_pool(WorkerPool(workers, name="bench"))
    rss_before = rss_mb()

    began = time.perf_counter()
    refs: list[Any]
    if kind == "directory":
        refs = _start_keyed(actors)
    else:
        refs = [actor_class.start() for _ in range(actors)]
    _wait_for(_Behaviour.started, actors, timeout=600)
    start_seconds = time.perf_counter() - began
    rss_after = rss_mb()

    began = time.perf_counter()
    for i in range(tells):
        refs[i % actors].tell("tell")
    _wait_for(_Behaviour.handled, tells, timeout=600)
    tell_seconds = time.perf_counter() - began

    per_caller = max(1, asks // CALLERS)
    latencies: list[list[float]] = [[] for _ in range(CALLERS)]
    barrier = threading.Barrier(CALLERS + 1)

    def caller(index: int) -> None:
        rng = random.Random(index)
        own = latencies[index]
        barrier.wait()
        for _ in range(per_caller):
            ref = refs[rng.randrange(actors)]
            t0 = time.perf_counter()
            ref.ask("ask", timeout=60)
            own.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(CALLERS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    ask_seconds = time.perf_counter() - began
    merged = sorted(x for own in latencies for x in own)
    quantiles = statistics.quantiles(merged, n=100)
    return {
        "kind": kind,
        "actors": actors,
        "workers": actors if kind == "threading" else workers,
        "rss_before_mb": round(rss_before, 1),
        "rss_mb": round(rss_after, 1),
        "rss_peak_mb": round(rss_mb(), 1),
        "kb_per_actor": round((rss_after - rss_before) * 1024 / actors, 2),
        "start_s": round(start_seconds, 3),
        "tells": tells,
        "tell_per_s": round(tells / tell_seconds),
        "asks": len(merged),
        "ask_per_s": round(len(merged) / ask_seconds),
        "ask_p50_ms": round(quantiles[49] * 1000, 3),
        "ask_p99_ms": round(quantiles[98] * 1000, 3),
    }


def _subprocess(kind: str, actors: int, tells: int, asks: int, workers: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--scenario",
        kind,
        "--actors",
        str(actors),
        "--tells",
        str(tells),
        "--asks",
        str(asks),
        "--workers",
        str(workers),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"scenario {kind} {actors} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or one scenario with ``--scenario``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer messages; under a minute")
    parser.add_argument("--scenario", choices=["pooled", "threading", "directory"])
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--tells", type=int, default=0)
    parser.add_argument("--asks", type=int, default=0)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    if args.scenario:
        result = run_scenario(args.scenario, args.actors, args.tells, args.asks, args.workers)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
        os._exit(0)  # skip joining 10,000 threads or stopping 100,000 actors

    scale = 1 if args.quick else 4
    plan = [
        ("threading", 10_000, 5_000 * scale, 3_200 * scale),
        ("pooled", 10_000, 50_000 * scale, 16_000 * scale),
        ("pooled", 100_000, 100_000 * scale, 16_000 * scale),
    ]
    if not args.quick:
        plan.append(("directory", 100_000, 100_000 * scale, 16_000 * scale))
    results = []
    for kind, actors, tells, asks in plan:
        result = _subprocess(kind, actors, tells, asks, args.workers)
        results.append(result)
        print(
            f"{kind:9} {actors:>6} actors: rss {result['rss_mb']:7.1f} MB "
            f"({result['kb_per_actor']:.2f} KB/actor), start {result['start_s']:.2f} s, "
            f"tell {result['tell_per_s']:>8}/s, ask p50 {result['ask_p50_ms']:.3f} ms "
            f"p99 {result['ask_p99_ms']:.3f} ms ({result['ask_per_s']}/s)",
            flush=True,
        )
    threading_10k, pooled_10k, pooled_100k = results[:3]
    summary = {
        "quick": args.quick,
        "cores": os.cpu_count(),
        "workers": args.workers,
        "state_bytes": STATE_BYTES,
        "callers": CALLERS,
        "scenarios": results,
        "pooled_100k_rss_mb": pooled_100k["rss_mb"],
        "pooled_100k_under_512mb": pooled_100k["rss_mb"] < 512,
        "directory_100k_rss_mb": results[3]["rss_mb"] if len(results) > 3 else None,
        "tell_ratio_10k": round(pooled_10k["tell_per_s"] / threading_10k["tell_per_s"], 1),
        "ask_p99_ratio_10k": round(threading_10k["ask_p99_ms"] / pooled_10k["ask_p99_ms"], 1),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
