"""httpx's AsyncClient against aiohttp, sending ``sendMessage`` to the emulator, by concurrency.

The sender uses httpx; this shows how its throughput depends on requests in flight (it falls
as concurrency grows) next to aiohttp's. Run: ``python -m loadtests.bench_http_clients``.
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

CHATS = list(range(1, 201))


async def rate(call: Callable[[int], Awaitable[None]], total: int, concurrency: int) -> float:
    """Calls per second of ``total`` calls with at most ``concurrency`` in flight."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await call(i)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(total)))
    return total / (time.perf_counter() - started)


async def run(total: int, levels: list[int]) -> None:
    stack = Stack(redis=False)
    stack.start_emulator()
    try:
        httpx.post(
            stack.emulator_url + "/_bench/started", json={"token": YABOT_TOKEN, "users": CHATS}
        ).raise_for_status()
        url = f"{stack.emulator_url}/bot{YABOT_TOKEN}/sendMessage"
        headers = {"content-type": "application/json"}

        def body(i: int) -> str:
            return json.dumps({"chat_id": CHATS[i % len(CHATS)], "text": "hi"})

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

                a = await rate(with_httpx, total, concurrency)
                b = await rate(with_aiohttp, total, concurrency)
                print(
                    f"in flight {concurrency:3d}: httpx {a:6.0f}/s  aiohttp {b:6.0f}/s  "
                    f"(httpx/aiohttp {a / b:.2f})",
                    flush=True,
                )
    finally:
        stack.stop()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--levels", type=int, nargs="+", default=[2, 4, 8, 16, 64])
    args = parser.parse_args()
    asyncio.run(run(args.total, args.levels))


if __name__ == "__main__":
    main()
