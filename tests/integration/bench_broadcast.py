"""Benchmark: a broadcast under Telegram's real pacing, and players' reply latency meanwhile.

Run: .venv/bin/python -m tests.integration.bench_broadcast [players]

The emulator enforces Telegram's flood limits (a 429 counts a violation); the bot runs with
the shipped pacing (global 30/s, 1/s per chat, burst 3). It measures the broadcast's rate
from the emulator's call log, the busiest one-second window, 429s, and the reply latency of a
few players typing /wallet while idle and while the broadcast runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.integration.harness import Emu, RunningBot
from tests.integration.test_admin_ops import ops_settings, started, token

TELEGRAM_PACING = {
    "YABOT_TELEGRAM__GLOBAL_RATE_PER_S": "30",
    "YABOT_TELEGRAM__CHAT_RATE_PER_S": "1",
    "YABOT_TELEGRAM__CHAT_BURST": "3",
}


def latencies(emu: Emu, users: list[int], rounds: int) -> list[float]:
    out: list[float] = []
    for _ in range(rounds):
        for user_id in users:
            player = emu.player(user_id)
            player.seen = max([0] + [m["message_id"] for m in player.messages()])
            t0 = time.monotonic()
            player.send("/wallet")
            player.wait_for(lambda ms: any("besitos" in m["text"].lower() for m in ms), 30)
            out.append(time.monotonic() - t0)
            time.sleep(1.2)  # stay within 1 message/s per chat
    return out


def main(players: int) -> None:
    emu = Emu().start()
    data = Path(tempfile.mkdtemp()) / "data"
    recipients = list(range(8001, 8001 + players))
    typists = [7901, 7902, 7903]
    setup = RunningBot(ops_settings(data, emu)).start()
    try:
        for user_id in recipients:
            emu.player(user_id, "B", "en").send("/start")
        for user_id in typists:
            started(emu, user_id)
        for user_id in recipients:
            emu.player(user_id).wait_buttons(60)
    finally:
        setup.stop()
    emu.http.put(emu.url + "/_emulator/faults", json={"flood_control": True}).raise_for_status()
    emu.http.delete(emu.url + "/_emulator/calls")
    bot = RunningBot(ops_settings(data, emu, **TELEGRAM_PACING)).start()
    try:
        api, admin = bot.api_url, token(bot.api_url)
        idle = latencies(emu, typists, 3)
        busy: list[float] = []
        text = "Benchmark broadcast"
        t0 = time.monotonic()
        created = httpx.post(
            f"{api}/api/v1/broadcasts",
            headers=admin,
            json={"text": text, "segment": {"tier": "all"}},
        ).json()
        typing = threading.Thread(target=lambda: busy.extend(latencies(emu, typists, 3)))
        typing.start()
        while True:
            progress = httpx.get(f"{api}/api/v1/broadcasts/{created['id']}", headers=admin).json()
            if progress["state"] != "running":
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - t0
        typing.join()
    finally:
        bot.stop()
    calls = emu.http.get(emu.url + "/_emulator/calls", params={"method": "sendMessage"}).json()
    stats = emu.http.get(emu.url + "/_emulator/stats").json()
    emu.stop()
    sends = sorted(c["at"] for c in calls if c["status"] == 200)
    window = max(sum(1 for t in sends if s <= t < s + 1.0) for s in sends)
    rate = progress["sent"] / elapsed
    print(
        f"players={players} sent={progress['sent']} failed={progress['failed']} "
        f"elapsed={elapsed:.1f}s rate={rate:.1f}/s busiest_1s_window={window} sendMessage "
        f"calls (all chats) 429s={stats['by_status'].get('429', 0)} "
        f"retry_after_violations={stats['retry_after_violations']}"
    )
    print(
        f"/wallet reply latency idle: p50={statistics.median(idle) * 1000:.0f}ms "
        f"max={max(idle) * 1000:.0f}ms; during broadcast: "
        f"p50={statistics.median(busy) * 1000:.0f}ms max={max(busy) * 1000:.0f}ms "
        f"(n={len(idle)}/{len(busy)})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
