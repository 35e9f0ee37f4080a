"""The webhook's two HTTP servers, uvicorn (ASGI endpoint) against the lean webhook server.

Each server runs in its own child process with the real :class:`WebhookHandler` (secret
check, size limit, ``parse_update``) and a sink that only counts, so what differs is the
HTTP server. This process posts ``--total`` updates to each, ``--concurrency`` in flight,
over keep-alive connections; rounds alternate between the servers. Printed per round: the
server process's CPU time per update (from /proc, so the load generator's CPU is not in
it), and the ratio uvicorn / lean of the medians. Run:
``python -m loadtests.bench_webhook_servers``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import time
from typing import Any

import psutil

from loadtests.drive import make_update
from yabot.config import load_settings
from yabot.ports import free_port
from yabot.telegram.http import HttpClient
from yabot.telegram.types import IncomingUpdate

SECRET = "bench-secret"
PATH = "/telegram/webhook"


class _CountingSink:
    def __init__(self) -> None:
        self.count = 0

    async def accept(self, update: IncomingUpdate) -> bool:
        self.count += 1
        return True


def _serve(kind: str, port: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    from yabot.telegram.webhook import WebhookHandler, with_webhook
    from yabot.telegram.webhook_server import WebhookServer

    settings = load_settings(
        None,
        {
            "YABOT_TELEGRAM__MODE": "webhook",
            "YABOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
            "YABOT_LOGGING__LEVEL": "WARNING",
        },
    )
    sink = _CountingSink()

    async def main() -> None:
        if kind == "lean":
            server = WebhookServer(WebhookHandler(settings, sink), "127.0.0.1", port)
            await server.start()
            await asyncio.Event().wait()
        app = with_webhook(settings, sink, FastAPI())
        config = uvicorn.Config(app, "127.0.0.1", port, log_level="warning", access_log=False)
        await uvicorn.Server(config).serve()

    import uvloop

    uvloop.run(main())


async def _round(port: int, pid: int, total: int, concurrency: int, first_id: int) -> float:
    client = HttpClient(
        f"http://127.0.0.1:{port}",
        max_connections=concurrency,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    bodies = [
        json.dumps(make_update(first_id + i, 1 + i % 500, "/profile")).encode()
        for i in range(total)
    ]
    gate = asyncio.Semaphore(concurrency)

    async def one(body: bytes) -> None:
        async with gate:
            status, _ = await client.post(PATH, body, timeout_s=10)
            assert status == 200, status

    process = psutil.Process(pid)
    before = process.cpu_times()
    await asyncio.gather(*(one(b) for b in bodies))
    after = process.cpu_times()
    await client.close()
    cpu = (after.user - before.user) + (after.system - before.system)
    return float(cpu) / total * 1e6


async def run(args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    servers: dict[str, tuple[int, Any]] = {}
    for kind in ("uvicorn", "lean"):
        port = free_port()
        proc = context.Process(target=_serve, args=(kind, port), daemon=True)
        proc.start()
        servers[kind] = (port, proc)
    await asyncio.sleep(3)
    results: dict[str, list[float]] = {"uvicorn": [], "lean": []}
    next_id = 1
    try:
        for port, proc in servers.values():  # warm-up
            await _round(port, proc.pid, 500, args.concurrency, next_id)
            next_id += 500
        for _ in range(args.rounds):
            for kind, (port, proc) in servers.items():
                results[kind].append(
                    await _round(port, proc.pid, args.total, args.concurrency, next_id)
                )
                next_id += args.total
                print(f"  {kind:8s} {results[kind][-1]:7.1f} µs CPU per update", flush=True)
    finally:
        for _, proc in servers.values():
            proc.terminate()
    medians = {kind: statistics.median(v) for kind, v in results.items()}
    report = {
        "total": args.total,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "cpu_us_per_update": medians,
        "uvicorn_over_lean": round(medians["uvicorn"] / medians["lean"], 2),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "pid": os.getpid(),
    }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    report = asyncio.run(run(parser.parse_args()))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
