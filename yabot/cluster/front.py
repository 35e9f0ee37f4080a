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

The front shares the machine with the cluster it fronts (``scripts/chaos``, ``scripts/bench
--cluster``), so it is lean, as a load balancer's C code is: requests are parsed with httptools
(the head limit of :mod:`yabot.telegram.http_head`, bodies up to ``MAX_BODY_BYTES``) and
forwarded over keep-alive connections by :class:`~yabot.telegram.http.HttpClient`. Headers go
through except the hop-by-hop ones; an answer brings back its status, body, ``Content-Type``
and ``Retry-After``.

Run: ``python -m yabot.cluster.front --port 0 --port-file PATH --backend URL ...``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httptools

from yabot.observability.logging import get_logger
from yabot.telegram.http import HttpClient, HttpError
from yabot.telegram.http_head import MAX_HEAD_BYTES, STATUS_LINES, HeadLimit, close_gently

log = get_logger(__name__)

DOWN_S = 1.0
PROBE_EVERY_S = 0.5
PROBE_TIMEOUT_S = 1.0
MAX_BODY_BYTES = 16 * 2**20
MAX_PIPELINED = 16
IDLE_TIMEOUT_S = 75.0
MAX_CONNECTIONS_PER_BACKEND = 500
HOP_HEADERS = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"host",
        b"content-length",
        b"upgrade",
        b"expect",
        b"te",
        b"trailer",
        b"proxy-connection",
    }
)
_JSON = b"content-type: application/json\r\n"


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
    _client: HttpClient | None = field(default=None, repr=False)

    @property
    def client(self) -> HttpClient:
        """The keep-alive connections to this instance (made at first use)."""
        if self._client is None:
            self._client = HttpClient(self.url, max_connections=MAX_CONNECTIONS_PER_BACKEND)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

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


Answer = tuple[int, bytes, bytes]
"""What the front answers: status, header lines (each ending in CRLF), body."""


def _error(status: int, message: str) -> Answer:
    return status, _JSON, json.dumps({"ok": False, "error": message}).encode()


@dataclass
class Front:
    """Round-robin (or sticky) forwarding to ``backends``."""

    backends: list[Backend]
    timeout_s: float = 10.0
    sticky: bool = False
    _next: int = 0
    _server: asyncio.Server | None = field(default=None, repr=False)
    _prober: asyncio.Task[None] | None = field(default=None, repr=False)
    _connections: set[_FrontConnection] = field(default_factory=set, repr=False)

    def set_backends(self, urls: list[str]) -> None:
        """Replace the instances (those kept keep their counters and connections)."""
        known = {b.url: b for b in self.backends}
        self.backends = [known.get(u.rstrip("/")) or Backend(u.rstrip("/")) for u in urls]
        kept = {id(b) for b in self.backends}
        for gone in known.values():
            if id(gone) not in kept:
                asyncio.get_running_loop().create_task(gone.close())

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

        async def one(backend: Backend) -> None:
            try:
                status, _, _ = await backend.client.request(
                    b"GET", b"/healthz", timeout_s=PROBE_TIMEOUT_S
                )
                healthy = status == 200
            except HttpError:
                healthy = False
            if not healthy:
                backend.probes_failed += 1
            backend.healthy = healthy

        await asyncio.gather(*(one(b) for b in list(self.backends)))

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.gather(self.probe(), asyncio.sleep(PROBE_EVERY_S))

    async def forward(self, method: bytes, target: bytes, headers: bytes, body: bytes) -> Answer:
        """Forward one request; 502 when every instance refused it, 504 when the one that
        took it did not answer in time (it may have read it: it goes nowhere else)."""
        for backend in self._order(body):
            try:
                answer = await backend.client.request(
                    method, target, body, headers=headers, timeout_s=self.timeout_s
                )
            except HttpError as exc:
                backend.down_until = time.monotonic() + DOWN_S
                if isinstance(exc.__cause__, ConnectionRefusedError):
                    backend.refused += 1
                    continue  # nothing was sent: the next instance may take it
                backend.timeouts += 1
                return _error(504, "instance timed out")
            backend.forwarded += 1
            return answer
        return _error(502, "no instance answered")

    async def answer(self, method: bytes, target: bytes, headers: bytes, body: bytes) -> Answer:
        """The front's own routes, or the request forwarded."""
        if target.split(b"?", 1)[0] != b"/_front/backends":
            return await self.forward(method, target, headers, body)
        if method == b"GET":
            return 200, _JSON, json.dumps([b.view() for b in self.backends]).encode()
        if method != b"PUT":
            return _error(405, "GET or PUT")
        try:
            urls = json.loads(body)
        except ValueError:
            return _error(400, "a JSON list of URLs")
        if not isinstance(urls, list) or not all(
            isinstance(u, str) and u.startswith("http") for u in urls
        ):
            return _error(400, "a JSON list of http URLs")
        self.set_backends(urls)
        return 200, _JSON, json.dumps([b.view() for b in self.backends]).encode()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` and probe the instances; returns the bound port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _FrontConnection(self), host, port, backlog=1024
        )
        self._prober = loop.create_task(self._probe_forever(), name="front-probe")
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening, close every connection."""
        if self._prober is not None:
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober
        if self._server is not None:
            self._server.close()
            for connection in list(self._connections):
                connection.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        for backend in self.backends:
            await backend.close()


@dataclass
class _Request:
    target: bytes = b""
    method: bytes = b""
    headers: list[bytes] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    size: int = 0
    keep_alive: bool = True
    refused: Answer | None = None


class _FrontConnection(asyncio.Protocol):
    """One client connection: requests parsed with httptools, forwarded one at a time and
    answered in order. A head over ``MAX_HEAD_BYTES`` gets 431, a body over
    ``MAX_BODY_BYTES`` 413, a request that is not HTTP/1.x 400; each closes the connection."""

    def __init__(self, front: Front) -> None:
        self._front = front
        self._parser = httptools.HttpRequestParser(self)
        self._head = HeadLimit(MAX_HEAD_BYTES)
        self._transport: asyncio.Transport | None = None
        self._current: _Request | None = None
        self._pending: deque[_Request] = deque()
        self._busy = False
        self._paused = False
        self._closing = False
        self._idle: asyncio.TimerHandle | None = None
        self._serving: asyncio.Task[None] | None = None  # held: the loop keeps weak refs

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._front._connections.add(self)
        self._arm_idle()

    def data_received(self, data: bytes) -> None:
        try:
            self._head.feed(self._parse, data)
        except httptools.HttpParserError:
            if not self._head.exceeded:
                self._refuse(_error(400, "bad request"))
        if self._head.exceeded and not self._closing:
            self._refuse(_error(431, "request head too large"))

    def _parse(self, piece: bytes) -> None:
        if not self._closing:
            self._parser.feed_data(piece)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self._transport = None
        self._front._connections.discard(self)
        if self._idle is not None:
            self._idle.cancel()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._head.message_begin()
        self._current = _Request()

    def on_url(self, url: bytes) -> None:
        self._head.url(url)
        if self._current is not None:
            self._current.target += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head.header(name, value)
        if self._current is not None and name.lower() not in HOP_HEADERS:
            self._current.headers.append(name + b": " + value + b"\r\n")

    def on_headers_complete(self) -> None:
        self._head.headers_complete()
        request = self._current
        if request is None:
            return
        request.method = self._parser.get_method()
        request.keep_alive = self._parser.should_keep_alive()
        if self._parser.should_upgrade():
            request.refused = _error(400, "upgrade refused")
            request.keep_alive = False

    def on_body(self, body: bytes) -> None:
        request = self._current
        if request is None or request.refused is not None:
            return
        request.size += len(body)
        if request.size > MAX_BODY_BYTES:
            request.refused = _error(413, "body too large")
            request.keep_alive = False
            request.body.clear()
            self._current = None
            self._queue(request)
            return
        request.body.append(body)

    def on_message_complete(self) -> None:
        self._head.message_complete()
        request, self._current = self._current, None
        if request is not None:
            self._queue(request)

    # answering, in order
    def _queue(self, request: _Request) -> None:
        self._pending.append(request)
        if not request.keep_alive:
            self._closing = True  # nothing after it is read
        elif len(self._pending) >= MAX_PIPELINED and self._transport is not None:
            self._transport.pause_reading()
            self._paused = True
        if not self._busy:
            self._busy = True
            self._serving = asyncio.get_running_loop().create_task(self._serve())

    async def _serve(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        while self._pending:
            if self._paused and self._transport is not None:
                self._paused = False
                self._transport.resume_reading()
            request = self._pending.popleft()
            try:
                answer = request.refused or await self._front.answer(
                    request.method,
                    request.target,
                    b"".join(request.headers),
                    b"".join(request.body),
                )
            except Exception as exc:  # the client gets an answer whatever went wrong
                log.error("front_failed", error=type(exc).__name__)
                answer = _error(502, "the front failed")
            self._write(answer, request.keep_alive)
        self._busy = False
        self._arm_idle()

    def _write(self, answer: Answer, keep_alive: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        status, headers, body = answer
        transport.write(
            b"".join(
                (
                    STATUS_LINES.get(status, b"HTTP/1.1 %d Unknown" % status),
                    b"\r\n",
                    headers,
                    b"content-length: %d\r\n" % len(body),
                    b"" if keep_alive else b"connection: close\r\n",
                    b"\r\n",
                    body,
                )
            )
        )
        if not keep_alive:
            close_gently(transport)

    def _refuse(self, answer: Answer) -> None:
        """Answer after the requests already read, then close; read no more."""
        self._current = None
        self._queue(_Request(keep_alive=False, refused=answer))

    def _arm_idle(self) -> None:
        if self._closing or self._transport is None:
            return
        self._idle = asyncio.get_running_loop().call_later(IDLE_TIMEOUT_S, self.close)

    def close(self) -> None:
        """Close the connection now."""
        if self._transport is not None:
            self._transport.close()


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
    bound = await front.start(host, port)
    if port_file is not None:
        port_file.write_text(str(bound))
    try:
        await asyncio.Event().wait()
    finally:
        await front.stop()


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
    front.backends = [Backend(url.rstrip("/")) for url in args.backend]
    try:
        import uvloop

        uvloop.run(serve(front, args.host, args.port, args.port_file))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
