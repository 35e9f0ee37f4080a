"""Throughput of the Telegram emulator, so load tests know it is not their bottleneck.

The emulator runs in its own process (`yabot emulator`); this process drives it with an aiohttp
client (httpx's async pool was itself the bottleneck at ~75 requests/s with 20+ concurrent
requests on this machine). Rows, all from one run: getMe (the HTTP floor), sendMessage with an
inline keyboard (flood control off), player message -> getUpdates (updates/s end to end), and
webhook delivery of player messages to a local aiohttp receiver.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "9000:bench"
KEYBOARD = {
    "inline_keyboard": [[{"text": "A", "callback_data": "a"}, {"text": "B", "callback_data": "b"}]]
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def run_parallel(total: int, concurrency: int, job: Any) -> float:
    counter = iter(range(total))

    async def worker() -> None:
        for index in counter:
            await job(index)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


class Client:
    """A thin JSON client over one aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def call(self, verb: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.request(verb, self.base + path, json=body) as response:
            return response.status, await response.json()


async def bench(base: str, total: int, concurrency: int, users: int) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    connector = aiohttp.TCPConnector(limit=concurrency + 4)
    async with aiohttp.ClientSession(connector=connector) as session:
        http = Client(session, base)
        await http.call("PUT", "/_emulator/faults", {"flood_control": False})
        await http.call("POST", "/_emulator/bots", {"token": TOKEN})
        for user in range(1, users + 1):
            await http.call("POST", "/_emulator/users", {"id": user, "first_name": f"P{user}"})
            await http.call("POST", f"/_emulator/users/{user}/messages", {"text": "/start"})
        await http.call("POST", f"/bot{TOKEN}/getUpdates", {"offset": -1})
        await http.call("POST", f"/bot{TOKEN}/getUpdates", {"offset": 10**9})

        async def get_me(_: int) -> None:
            status, _body = await http.call("GET", f"/bot{TOKEN}/getMe")
            assert status == 200

        rows.append(("getMe (HTTP floor)", await run_parallel(total, concurrency, get_me)))

        async def send(index: int) -> None:
            body = {
                "chat_id": index % users + 1,
                "text": f"<b>turn</b> {index}",
                "parse_mode": "HTML",
                "reply_markup": KEYBOARD,
            }
            status, answer = await http.call("POST", f"/bot{TOKEN}/sendMessage", body)
            assert status == 200, answer

        rows.append(("sendMessage + keyboard", await run_parallel(total, concurrency, send)))

        received = 0

        async def poll() -> None:
            nonlocal received
            offset = 0
            while received < total:
                _, answer = await http.call(
                    "POST", f"/bot{TOKEN}/getUpdates", {"offset": offset, "timeout": 5}
                )
                if answer["result"]:
                    offset = answer["result"][-1]["update_id"] + 1
                    received += len(answer["result"])

        async def say(index: int) -> None:
            status, _ = await http.call(
                "POST", f"/_emulator/users/{index % users + 1}/messages", {"text": f"m{index}"}
            )
            assert status == 200

        started = time.perf_counter()
        poller = asyncio.create_task(poll())
        await run_parallel(total, concurrency, say)
        await poller
        rows.append(("player message -> getUpdates", total / (time.perf_counter() - started)))

        hits = 0
        done = asyncio.Event()

        async def hook(request: web.Request) -> web.Response:
            nonlocal hits
            await request.read()
            hits += 1
            if hits >= total:
                done.set()
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await http.call(
            "POST",
            f"/bot{TOKEN}/setWebhook",
            {"url": f"http://127.0.0.1:{port}/hook", "secret_token": "bench"},
        )
        started = time.perf_counter()
        await run_parallel(total, concurrency, say)
        await asyncio.wait_for(done.wait(), 300)
        rows.append(("player message -> webhook", total / (time.perf_counter() - started)))
        await runner.cleanup()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=5000, help="calls per row")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    env = {**os.environ, "YABOT_LOGGING__LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "yabot", "emulator", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/_emulator/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        rows = asyncio.run(bench(base, args.total, args.concurrency, args.users))
    finally:
        server.terminate()
        server.wait(timeout=10)
    floor = rows[0][1]
    print(f"{args.total} calls per row, {args.concurrency} concurrent clients, {args.users} users")
    print("| path | per second | vs getMe |")
    print("|---|---|---|")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} | {rate / floor:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
