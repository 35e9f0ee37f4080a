"""Benchmark: Stars checkout through the whole bot and the emulator (polling mode).

Run: .venv/bin/python -m tests.economy.bench_checkout
For N players: /vip, then the emulator's pay (pre_checkout_query -> the bot's
answerPreCheckoutQuery -> successful_payment). Prints the pay call's latency, which bounds the
pre-checkout answer time Telegram allows 10 s for, and the time until the VIP welcome arrives.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from tests.integration.harness import Emu
from tests.integration.test_economy import Clock, ClockedBot, buy_vip, has

N = 40


def main() -> None:
    emu = Emu().start()
    with tempfile.TemporaryDirectory() as tmp:
        bot = ClockedBot(Path(tmp) / "data", emu, Clock()).start()
        pay, welcome = [], []
        try:
            for i in range(N):
                player = emu.player(200_000 + i, "P")
                player.say("/vip")
                player.wait_for(lambda ms, p=player: any(m.get("invoice") for m in p.messages()))
                started = time.perf_counter()
                buy_vip(emu, player)
                pay.append(time.perf_counter() - started)
                player.wait_for(has("You are VIP until"))
                welcome.append(time.perf_counter() - started)
        finally:
            bot.stop()
            emu.stop()
    for label, samples in (("pay call (checkout answered)", pay), ("until VIP welcome", welcome)):
        samples.sort()
        p50, worst = statistics.median(samples) * 1e3, samples[-1] * 1e3
        print(f"{label:<30} p50 {p50:7.1f} ms   max {worst:7.1f} ms")


if __name__ == "__main__":
    main()
