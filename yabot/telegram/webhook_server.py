"""A lean HTTP/1.1 server for the Telegram webhook alone.

Every update Telegram delivers costs one webhook request, so the HTTP server's own CPU is a
large share of an update's cost: profiled, uvicorn's protocol and ASGI machinery (a scope
dict, a request cycle object and a task per request, middlewares) took about a fifth of the
bot's process. This server parses requests with httptools (the C parser uvicorn uses) and
calls :class:`~yabot.telegram.webhook.WebhookHandler` directly. It serves ``POST`` on the
webhook path, ``GET`` on the extra routes it is given (``/metrics``), and answers everything
else with a JSON 404 or 405.

Limits, each answered and then the connection closed: a request head above
``MAX_HEAD_BYTES`` however it arrives (431, see :mod:`yabot.telegram.http_head`), a body
above the handler's limit (413, from Content-Length before the body is read, or while a
chunked body arrives), a request that is not HTTP/1.x (400), a head that does not complete
within ``HEAD_TIMEOUT_S`` (408). Idle keep-alive connections are closed after
``IDLE_TIMEOUT_S``. Requests on one connection are answered in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import httptools
from prometheus_client import Counter

from yabot.observability.logging import get_logger
from yabot.telegram.http_head import (
    HTTP_HEAD_TOO_LARGE,
    MAX_HEAD_BYTES,
    STATUS_LINES,
    HeadLimit,
    close_gently,
)
from yabot.telegram.webhook import Answer, WebhookHandler, encode_answer

log = get_logger(__name__)

HEAD_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 75.0
MAX_PIPELINED = 16

WEBHOOK_HTTP_REFUSED = Counter(
    "yabot_webhook_http_refused_total",
    "Webhook connections answered with an HTTP error and closed, by reason",
    ["reason"],
)

GetRoute = Callable[[], tuple[bytes, bytes]]
"""A GET route: returns (content type, body)."""


@dataclass
class _Request:
    method: bytes
    path: bytes
    secret: bytes = b""
    content_length: bytes = b""
    keep_alive: bool = True
    expect_continue: bool = False
    body: list[bytes] = field(default_factory=list)
    size: int = 0
    refused: Answer | None = None


def _head(status: int, content_type: bytes, length: int, extra: list[tuple[bytes, bytes]]) -> bytes:
    lines = [
        STATUS_LINES[status],
        b"content-type: " + content_type,
        b"content-length: %d" % length,
    ]
    lines.extend(name + b": " + value for name, value in extra)
    return b"\r\n".join(lines) + b"\r\n\r\n"


_JSON = b"application/json"


class _WebhookConnection(asyncio.Protocol):
    """One client connection: parses requests and answers them in order."""

    def __init__(self, server: WebhookServer) -> None:
        self._server = server
        self._handler = server.handler
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._pending: deque[_Request] = deque()
        self._current: _Request | None = None
        self._head = HeadLimit(MAX_HEAD_BYTES)
        self._busy = False
        self._paused = False
        self._closing = False
        self._timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._server.connections.add(self)
        self._arm(IDLE_TIMEOUT_S, "idle")

    def data_received(self, data: bytes) -> None:
        head = self._head
        try:
            head.feed(self._parse, data)
        except httptools.HttpParserUpgrade:
            self._refuse_in_turn(400, "upgrade_refused")
        except httptools.HttpParserError:
            if not head.exceeded:
                self._refuse_in_turn(400, "bad_request")
        if head.exceeded and not self._closing:
            HTTP_HEAD_TOO_LARGE.labels("webhook").inc()
            self._refuse_in_turn(431, "head_too_large")

    def _parse(self, piece: bytes) -> None:
        if not self._closing:  # nothing after a refusal is parsed
            self._parser.feed_data(piece)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self._server.connections.discard(self)
        if self._timer is not None:
            self._timer.cancel()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._head.message_begin()
        self._current = _Request(b"", b"")
        self._arm(HEAD_TIMEOUT_S, "head_timeout")

    def on_url(self, url: bytes) -> None:
        self._head.url(url)
        if self._current is not None:
            self._current.path += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head.header(name, value)
        request = self._current
        if request is None:
            return
        lowered = name.lower()
        if lowered == b"x-telegram-bot-api-secret-token":
            request.secret = value
        elif lowered == b"content-length":
            request.content_length = value
        elif lowered == b"expect" and value.lower() == b"100-continue":
            request.expect_continue = True

    def on_headers_complete(self) -> None:
        self._head.headers_complete()
        request = self._current
        if request is None:
            return
        request.method = self._parser.get_method()
        request.keep_alive = self._parser.should_keep_alive()
        path = request.path.split(b"?", 1)[0]
        request.path = path
        if path == self._server.path_bytes:
            if request.method != b"POST":
                request.refused = (405, {"ok": False, "reason": "method not allowed"}, [])
            else:
                content_length = request.content_length
                request.refused = self._handler.check_headers(request.secret, content_length)
        elif request.method == b"GET" and path in self._server.get_routes:
            pass
        else:
            request.refused = (404, {"ok": False, "reason": "not found"}, [])
        if request.refused is not None and request.refused[0] == 413:
            # A body refused by its declared size is not read: answer (in turn) and close.
            request.keep_alive = False
            self._current = None
            self._queue(request)
        elif request.refused is None and request.expect_continue and self._transport:
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        request = self._current
        if request is None or request.refused is not None:
            return
        request.size += len(body)
        if request.size > self._handler.limit:
            request.refused = self._handler.too_large()
            request.keep_alive = False
            request.body.clear()
            return
        request.body.append(body)

    def on_message_complete(self) -> None:
        self._head.message_complete()
        request, self._current = self._current, None
        if request is not None:
            self._queue(request)

    # answering
    def _queue(self, request: _Request) -> None:
        self._pending.append(request)
        if not request.keep_alive:
            # Nothing after a request that closes the connection is read.
            self._closing = True
        elif len(self._pending) >= MAX_PIPELINED and self._transport is not None:
            self._transport.pause_reading()
            self._paused = True
        if not self._busy:
            self._next()

    def _next(self) -> None:
        if self._paused and len(self._pending) < MAX_PIPELINED and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        if not self._pending:
            self._busy = False
            if not self._closing:
                self._arm(IDLE_TIMEOUT_S, "idle")
            return
        self._busy = True
        self._disarm()
        request = self._pending.popleft()
        if request.refused is not None:
            self._write_answer(request, request.refused)
        elif request.method == b"GET":
            content_type, body = self._server.get_routes[request.path]()
            self._write(request, 200, content_type, body, [])
        else:
            body = request.body[0] if len(request.body) == 1 else b"".join(request.body)
            task = asyncio.get_running_loop().create_task(self._handler.handle(body))
            task.add_done_callback(lambda done: self._answered(request, done))
            return
        self._next()

    def _answered(self, request: _Request, done: asyncio.Task[Answer]) -> None:
        if done.cancelled():
            return
        self._write_answer(request, done.result())

    def _write_answer(self, request: _Request, answer: Answer) -> None:
        status, payload, extra = answer
        self._write(request, status, _JSON, encode_answer(payload), extra)
        if self._busy and request.refused is None:
            self._next()

    def _write(
        self,
        request: _Request,
        status: int,
        content_type: bytes,
        body: bytes,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if not request.keep_alive:
            extra = [*extra, (b"connection", b"close")]
        transport.write(_head(status, content_type, len(body), extra) + body)
        if not request.keep_alive:
            close_gently(transport)

    def _refuse_in_turn(self, status: int, reason: str) -> None:
        """Answer ``status`` after the requests already read, then close; read no more."""
        WEBHOOK_HTTP_REFUSED.labels(reason).inc()
        log.warning("webhook_http_refused", status=status, reason=reason)
        self._current = None
        refusal = _Request(b"", b"", keep_alive=False)
        refusal.refused = (status, {"ok": False, "reason": reason}, [])
        self._queue(refusal)

    def _refuse_connection(self, status: int, reason: str) -> None:
        WEBHOOK_HTTP_REFUSED.labels(reason).inc()
        log.warning("webhook_http_refused", status=status, reason=reason)
        self._closing = True
        self._current = None
        transport = self._transport
        if transport is not None and not transport.is_closing():
            body = json.dumps({"ok": False, "reason": reason}).encode()
            transport.write(_head(status, _JSON, len(body), [(b"connection", b"close")]) + body)
            close_gently(transport)

    def _arm(self, delay: float, reason: str) -> None:
        self._disarm()
        self._timer = asyncio.get_running_loop().call_later(delay, self._expire, reason)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self, reason: str) -> None:
        self._timer = None
        if self._busy or self._transport is None:
            return
        if reason == "idle":
            self._transport.close()
        else:
            self._refuse_connection(408, reason)

    def close(self) -> None:
        """Close the connection now (server shutdown)."""
        if self._transport is not None:
            self._transport.close()


class WebhookServer:
    """Serves the webhook (and a few GET routes) on ``host:port``.

    Args:
        handler: What to do with each webhook request.
        host: Address to bind.
        port: Port to bind (0 picks a free one: see ``port`` after ``start``).
        get_routes: Extra ``GET`` paths and what they answer (e.g. ``/metrics``).
    """

    def __init__(
        self,
        handler: WebhookHandler,
        host: str,
        port: int,
        get_routes: dict[str, GetRoute] | None = None,
    ) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.path_bytes = handler.path.encode()
        self.get_routes = {path.encode(): route for path, route in (get_routes or {}).items()}
        self.connections: set[_WebhookConnection] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Bind and start accepting connections."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _WebhookConnection(self), self.host, self.port, backlog=1024
        )
        sockets = self._server.sockets
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop accepting, close every connection."""
        if self._server is None:
            return
        self._server.close()
        for connection in list(self.connections):
            connection.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2.0)
        self._server = None
