"""Sender benchmark: `Sender` throughput vs a plain httpx loop, both to the emulator.

The emulator runs in its own process with flood control off; the sender's limits are set far
above what the machine can do, so the figure is the sender's own overhead (lanes, pacing
bookkeeping, breaker, callbacks). Rounds alternate between the two clients; medians are
reported. A last step measures the memory of a queue of waiting calls.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yabot.config import Settings  # noqa: E402
from yabot.telegram.sender import Sender  # noqa: E402

TOKEN = "424242:bench-token"
EMULATOR = (
    "import sys, uvicorn\n"
    "from yabot.emulator.server import create_app\n"
    "uvicorn.run(create_app(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning',"
    " access_log=False)\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def start_emulator(chats: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", EMULATOR, str(port)], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(500):
        try:
            httpx.post(f"{base}/bot{TOKEN}/getMe").raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.02)
    with httpx.Client(base_url=base) as player:
        player.put("/_emulator/faults", json={"flood_control": False}).raise_for_status()
        for chat in range(1, chats + 1):
            player.post("/_emulator/users", json={"id": chat, "first_name": "B"})
            player.post(f"/_emulator/users/{chat}/messages", json={"text": "/start"})
    return proc, base


def mock_transport() -> httpx.MockTransport:
    """Answers like Telegram without a network: isolates the clients' own CPU cost."""
    answer = b'{"ok":true,"result":{"message_id":1,"chat":{"id":1,"type":"private"},"date":0}}'

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answer, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


def client(concurrency: int, mock: bool) -> httpx.AsyncClient:
    if mock:
        return httpx.AsyncClient(transport=mock_transport())
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits)


async def plain_httpx(
    base: str, messages: int, chats: int, concurrency: int, mock: bool = False
) -> float:
    url = f"{base}/bot{TOKEN}/sendMessage"
    async with client(concurrency, mock) as client_:
        counter = iter(range(messages))

        async def worker() -> None:
            for i in counter:
                chat = i % chats + 1
                response = await client_.post(url, json={"chat_id": chat, "text": f"m{i}"})
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return messages / (time.perf_counter() - started)


def fast_settings(base: str, **overrides: float) -> Settings:
    telegram = {
        "bot_token": TOKEN,
        "api_base": base,
        "global_rate_per_s": 1e9,
        "chat_rate_per_s": 1e9,
        "chat_burst": 1000,
        "send_queue_limit": 1_000_000,
        **overrides,
    }
    return Settings.model_validate({"telegram": telegram})


async def sender_run(
    base: str, messages: int, chats: int, concurrency: int, mock: bool = False
) -> float:
    done = asyncio.Event()
    remaining = messages
    failures = 0

    def on_result(result: object, error: Exception | None) -> None:
        nonlocal remaining, failures
        remaining -= 1
        failures += error is not None
        if remaining == 0:
            done.set()

    http = client(concurrency, mock)
    async with http, Sender(fast_settings(base), http=http, max_in_flight=concurrency) as sender:
        started = time.perf_counter()
        for i in range(messages):
            chat = i % chats + 1
            params = {"chat_id": chat, "text": f"m{i}"}
            sender.submit("sendMessage", params, chat_id=chat, on_result=on_result)
        await done.wait()
        elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{failures} sends failed")
    return messages / elapsed


async def queued_memory(base: str, queued: int, chats: int) -> float:
    settings = fast_settings(base, global_rate_per_s=0.001)
    sender = Sender(settings)
    await sender.start()
    gc.collect()
    before = rss_mb()
    for i in range(queued):
        chat = i % chats + 1
        sender.submit("sendMessage", {"chat_id": chat, "text": f"reply number {i}"}, chat_id=chat)
    await asyncio.sleep(0.5)
    gc.collect()
    grown = rss_mb() - before
    await sender.stop(drain_timeout=0)
    return grown


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queued", type=int, default=100_000)
    args = parser.parse_args()
    proc, base = start_emulator(args.chats)
    try:
        plain: list[float] = []
        ours: list[float] = []
        for round_ in range(args.rounds):
            plain.append(await plain_httpx(base, args.messages, args.chats, args.concurrency))
            ours.append(await sender_run(base, args.messages, args.chats, args.concurrency))
            print(f"round {round_ + 1}: plain httpx {plain[-1]:,.0f}/s, sender {ours[-1]:,.0f}/s")
        p, s = statistics.median(plain), statistics.median(ours)
        print(f"emulator median: plain httpx {p:,.0f}/s, Sender {s:,.0f}/s, ratio {s / p:.2f}")
        plain.clear()
        ours.clear()
        for _ in range(args.rounds):
            plain.append(await plain_httpx(base, args.messages * 5, args.chats, 32, mock=True))
            ours.append(await sender_run(base, args.messages * 5, args.chats, 32, mock=True))
        p, s = statistics.median(plain), statistics.median(ours)
        print(f"no-network median: plain httpx {p:,.0f}/s, Sender {s:,.0f}/s, ratio {s / p:.2f}")
        grown = await queued_memory(base, args.queued, 10_000)
        print(
            f"{args.queued:,} calls queued over 10,000 chats: +{grown:.0f} MB RSS "
            f"({grown * 2**20 / args.queued:.0f} B per call); peak RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
