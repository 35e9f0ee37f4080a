"""Benchmark: the cost of economy transitions and of mission evaluation, in one run.

Run: .venv/bin/python -m tests.economy.bench_economy
Prints per-transition times (apply_update: pure transition + one SQLite transaction) for
/help (baseline), /wallet, /daily, a store purchase, a Stars payment, and /help with the
missions turned off, so the ratios show what the economy adds.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.economy.world import T0, World, world_settings
from yabot.player.messages import AdjustBesitos

N = 400


def timed(label: str, run: Callable[[int], object]) -> float:
    samples = []
    for i in range(N):
        started = time.perf_counter()
        run(i)
        samples.append(time.perf_counter() - started)
    samples.sort()
    p50, p99 = statistics.median(samples), samples[int(len(samples) * 0.99) - 1]
    print(f"{label:<32} p50 {p50 * 1e3:6.3f} ms   p99 {p99 * 1e3:6.3f} ms")
    return p50


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(world_settings(Path(tmp) / "a"))
        bare = World(world_settings(Path(tmp) / "b", YABOT_ECONOMY__MISSIONS="[]"))
        for w in (world, bare):
            for user in range(N):
                w.message(100_000 + user, "/start", T0)
        base = timed("/help (missions on)", lambda i: world.message(100_000 + i, "/help", T0 + 1))
        off = timed("/help (missions off)", lambda i: bare.message(100_000 + i, "/help", T0 + 1))
        wallet = timed("/wallet", lambda i: world.message(100_000 + i, "/wallet", T0 + 2))
        daily = timed("/daily (granted)", lambda i: world.message(100_000 + i, "/daily", T0 + 3))
        for i in range(N):
            world.system(100_000 + i, AdjustBesitos(100, "bench", "bench", "b", T0 + 4))
        buy = timed("store purchase (s:hint)", lambda i: world.press(100_000 + i, "s:hint", T0 + 5))
        pay = timed(
            "successful_payment (VIP)",
            lambda i: world.pay(100_000 + i, f"sub:vip:{100_000 + i}:250", 250, f"c{i}", T0 + 6),
        )
        print(
            f"ratios to /help: missions-off {off / base:.2f}, wallet {wallet / base:.2f}, "
            f"daily {daily / base:.2f}, purchase {buy / base:.2f}, payment {pay / base:.2f}"
        )
        world.close()
        bare.close()


if __name__ == "__main__":
    main()
