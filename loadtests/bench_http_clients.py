"""The sender's HTTP client against aiohttp and httpx: ``sendMessage`` to the emulator.

For each number of requests in flight, each client sends ``--total`` calls (same process,
clients one after another, rounds alternate); printed: calls per second and this process's
CPU time per call (the client's own cost; the emulator runs in its own process). The sender
uses :class:`yabot.telegram.http.HttpClient`. Run: ``python -m loadtests.bench_http_clients``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx

from loadtests.stack import YABOT_TOKEN, Stack
from yabot.telegram.http import HttpClient

CHATS = list(range(1, 201))


async def rate(
    call: Callable[[int], Awaitable[None]], total: int, concurrency: int
) -> tuple[float, float]:
    """Calls per second and CPU microseconds per call of ``total`` calls, ``concurrency``
    in flight at most."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await call(i)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(total)))
    cpu_us = (time.process_time() - cpu) / total * 1e6
    return total / (time.perf_counter() - started), cpu_us


async def run(total: int, levels: list[int]) -> None:
    stack = Stack(redis=False)
    stack.start_emulator()
    try:
        httpx.post(
            stack.emulator_url + "/_bench/started", json={"token": YABOT_TOKEN, "users": CHATS}
        ).raise_for_status()
        path = f"/bot{YABOT_TOKEN}/sendMessage"
        url = stack.emulator_url + path
        headers = {"content-type": "application/json"}

        def body(i: int) -> bytes:
            return json.dumps({"chat_id": CHATS[i % len(CHATS)], "text": "hi"}).encode()

        lean = HttpClient(stack.emulator_url, max_connections=100)
        for concurrency in levels:
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
            async with (
                httpx.AsyncClient(limits=limits) as hx,
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as ah,
            ):

                async def with_httpx(i: int) -> None:
                    (await hx.post(url, content=body(i), headers=headers)).raise_for_status()

                async def with_aiohttp(i: int) -> None:
                    async with ah.post(url, data=body(i), headers=headers) as response:
                        response.raise_for_status()
                        await response.read()

                async def with_lean(i: int) -> None:
                    status, _ = await lean.post(path, body(i), timeout_s=10)
                    assert status == 200

                row = {
                    name: await rate(call, total, concurrency)
                    for name, call in (
                        ("HttpClient", with_lean),
                        ("aiohttp", with_aiohttp),
                        ("httpx", with_httpx),
                    )
                }
            print(
                f"in flight {concurrency:3d}: "
                + "  ".join(f"{n} {r:6.0f}/s {c:5.0f} us CPU/call" for n, (r, c) in row.items())
                + f"  (aiohttp/HttpClient CPU {row['aiohttp'][1] / row['HttpClient'][1]:.2f}x)",
                flush=True,
            )
        await lean.close()
    finally:
        stack.stop()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--levels", type=int, nargs="+", default=[4, 32])
    args = parser.parse_args()
    asyncio.run(run(args.total, args.levels))


if __name__ == "__main__":
    main()
