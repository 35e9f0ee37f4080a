"""A small round-robin HTTP front for a local cluster's webhook (what a load balancer does).

Every request goes to the next instance in turn. When an instance refuses the connection (it is
down or restarting) the front tries the next one at once and skips the refusing one for
``DOWN_S``; when an instance accepts but does not answer within ``timeout_s`` (paused, or
overloaded) the front answers 504 and Telegram -- or the driver that plays its part -- posts the
update again later, as it would to a real load balancer. A request is never sent to a second
instance once the first may have read it: only a refused connection moves it on.

Health checks, as a load balancer's: every ``PROBE_EVERY_S`` the front asks each instance's
``/healthz`` (``PROBE_TIMEOUT_S``); one that does not answer 200 in time (paused, hung, gone)
goes last in the order until it does again, so that few updates wait a full ``timeout_s`` on
an instance that cannot take them.

``sticky`` routes by the chat of the update instead (``message.chat.id`` or the callback's
user); it is for instances that do not share their players' state (embedded SQLite) and is not
what cluster mode needs.

Admin routes of the front itself (never forwarded): ``GET /_front/backends`` lists the instances
with their counters; ``PUT /_front/backends`` ``["http://127.0.0.1:PORT", ...]`` replaces them.

Run: ``python -m yabot.cluster.front --port 0 --port-file PATH --backend URL ...``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

DOWN_S = 1.0
PROBE_EVERY_S = 0.5
PROBE_TIMEOUT_S = 1.0
HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "host", "content-length", "upgrade"}
)


@dataclass
class Backend:
    """One instance behind the front and what the front saw of it."""

    url: str
    down_until: float = 0.0
    forwarded: int = 0
    refused: int = 0
    timeouts: int = 0
    healthy: bool = True
    probes_failed: int = 0

    def view(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "forwarded": self.forwarded,
            "refused": self.refused,
            "timeouts": self.timeouts,
            "down": self.down_until > time.monotonic(),
            "healthy": self.healthy,
            "probes_failed": self.probes_failed,
        }


@dataclass
class Front:
    """Round-robin (or sticky) forwarding to ``backends``."""

    backends: list[Backend]
    timeout_s: float = 10.0
    sticky: bool = False
    _next: int = 0
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    def set_backends(self, urls: list[str]) -> None:
        known = {b.url: b for b in self.backends}
        self.backends = [known.get(u.rstrip("/")) or Backend(u.rstrip("/")) for u in urls]

    def _order(self, body: bytes) -> list[Backend]:
        count = len(self.backends)
        if count == 0:
            return []
        if self.sticky:
            start = zlib.crc32(str(_chat_of(body)).encode()) % count
        else:
            start = self._next % count
            self._next += 1
        ring = self.backends[start:] + self.backends[:start]
        now = time.monotonic()
        # Instances that refused a moment ago, or fail their health check, go last, not
        # away: all may be coming back.
        up = [b for b in ring if b.down_until <= now and b.healthy]
        return up + [b for b in ring if b not in up]

    async def probe(self) -> None:
        """Ask every instance's ``/healthz`` once (at the same time)."""
        assert self._session is not None
        session = self._session

        async def one(backend: Backend) -> None:
            try:
                async with session.get(
                    backend.url + "/healthz",
                    timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S),
                ) as reply:
                    await reply.read()
                    healthy = reply.status == 200
            except (TimeoutError, aiohttp.ClientError, OSError):
                healthy = False
            if not healthy:
                backend.probes_failed += 1
            backend.healthy = healthy

        await asyncio.gather(*(one(b) for b in list(self.backends)))

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.gather(self.probe(), asyncio.sleep(PROBE_EVERY_S))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Forward one request; answer 502 when every instance refused it."""
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        for backend in self._order(body):
            try:
                async with self._session.request(
                    request.method,
                    backend.url + request.rel_url.raw_path_qs,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                    allow_redirects=False,
                ) as reply:
                    payload = await reply.read()
                    backend.forwarded += 1
                    out = {k: v for k, v in reply.headers.items() if k.lower() not in HOP_HEADERS}
                    return web.Response(status=reply.status, body=payload, headers=out)
            except aiohttp.ClientConnectorError:
                backend.refused += 1
                backend.down_until = time.monotonic() + DOWN_S
                continue  # nothing was sent: the next instance may take it
            except (TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                # It may have read the request: do not send it elsewhere, let the sender retry.
                backend.timeouts += 1
                backend.down_until = time.monotonic() + DOWN_S
                return web.json_response({"ok": False, "error": "instance timed out"}, status=504)
        return web.json_response({"ok": False, "error": "no instance answered"}, status=502)

    async def list_backends(self, request: web.Request) -> web.Response:
        return web.json_response([b.view() for b in self.backends])

    async def put_backends(self, request: web.Request) -> web.Response:
        try:
            urls = json.loads(await request.read())
        except ValueError:
            return web.json_response({"error": "a JSON list of URLs"}, status=400)
        if not isinstance(urls, list) or not all(
            isinstance(u, str) and u.startswith("http") for u in urls
        ):
            return web.json_response({"error": "a JSON list of http URLs"}, status=400)
        self.set_backends(urls)
        return web.json_response([b.view() for b in self.backends])

    def app(self) -> web.Application:
        """The aiohttp application: the admin routes, and every other path forwarded."""
        app = web.Application(client_max_size=16 * 2**20)
        app.router.add_get("/_front/backends", self.list_backends)
        app.router.add_put("/_front/backends", self.put_backends)
        app.router.add_route("*", "/{tail:.*}", self.handle)

        async def session(app: web.Application) -> Any:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, limit_per_host=500)
            )
            prober = asyncio.create_task(self._probe_forever(), name="front-probe")
            yield
            prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prober
            await self._session.close()

        app.cleanup_ctx.append(session)
        return app


def _chat_of(body: bytes) -> int:
    try:
        update = json.loads(body)
        if "message" in update:
            return int(update["message"]["chat"]["id"])
        if "callback_query" in update:
            return int(update["callback_query"]["from"]["id"])
    except (ValueError, KeyError, TypeError):
        pass
    return 0


async def serve(front: Front, host: str, port: int, port_file: Path | None) -> None:
    """Serve until cancelled; write the bound port to ``port_file`` once listening."""
    runner = web.AppRunner(front.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    bound = int(runner.addresses[0][1])
    if port_file is not None:
        port_file.write_text(str(bound))
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--backend`` (repeatable), ``--port``, ``--port-file``, ``--sticky``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path, default=None)
    parser.add_argument("--backend", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--sticky", action="store_true")
    args = parser.parse_args(argv)
    front = Front([], timeout_s=args.timeout, sticky=args.sticky)
    front.set_backends(args.backend)
    try:
        import uvloop

        uvloop.run(serve(front, args.host, args.port, args.port_file))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
