"""A lean HTTP/1.1 client for one origin: POST a body, get (status, body) back.

The sender makes one Bot API call per reply, so the HTTP client's own CPU is a large share
of an update's cost. General-purpose clients spend most of theirs on what a Bot API call
does not need (cookies, redirects, tracing, URL handling, header objects). This one writes
a request in one syscall on a pooled keep-alive connection and parses the answer with
httptools (the C parser uvicorn uses). TLS comes from asyncio (``https://`` origins).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections import deque
from collections.abc import Mapping
from typing import cast
from urllib.parse import urlsplit

import httptools

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field name
_KEPT_HEADERS = frozenset({b"content-type", b"retry-after"})  # what request() answers


class HttpError(Exception):
    """The request got no complete HTTP answer (connect, reset, timeout or protocol error)."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._parser = httptools.HttpResponseParser(self)
        self._chunks: list[bytes] = []
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.kept_headers = b""  # of the last answer: see _KEPT_HEADERS

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"bad HTTP answer: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(HttpError("connection closed before the answer was complete"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() in _KEPT_HEADERS:
            self.kept_headers += name + b": " + value + b"\r\n"

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        answer, self._answer = self._answer, None
        body = b"".join(self._chunks)
        self._chunks = []
        if not self._parser.should_keep_alive():
            self.close()
        if answer is not None and not answer.done():
            answer.set_result((self._parser.get_status_code(), body))

    # client side
    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self._chunks = []
        self.kept_headers = b""
        self.transport.write(request)
        return self._answer

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: HttpError) -> None:
        answer, self._answer = self._answer, None
        if answer is not None and not answer.done():
            answer.set_exception(error)


class HttpClient:
    """POSTs to one origin over at most ``max_connections`` keep-alive connections.

    Callers beyond ``max_connections`` wait for a connection. A connection that failed,
    timed out or was closed by the server is dropped, never reused. Safe for one event loop.

    Args:
        origin: ``http://host:port`` or ``https://host[:port]``; a path is not allowed.
        max_connections: Connections open at most (and requests in flight at most).
        connect_timeout_s: Time to open a connection (TCP and TLS).
        ssl_context: For https origins; the default verifies certificates.
        headers: Extra headers sent with every request.
    """

    def __init__(
        self,
        origin: str,
        *,
        max_connections: int = 32,
        connect_timeout_s: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {origin!r}")
        if parts.path not in ("", "/") or parts.query:
            raise ValueError(f"an origin has no path or query: {origin!r}")
        self._host = parts.hostname
        secure = parts.scheme == "https"
        self._port = parts.port or (443 if secure else 80)
        self._ssl = (ssl_context or ssl.create_default_context()) if secure else None
        default_port = self._port == (443 if secure else 80)
        host_header = self._host if default_port else f"{self._host}:{self._port}"
        extra = b""
        for name, value in (headers or {}).items():
            if not _TOKEN.fullmatch(name) or "\r" in value or "\n" in value:
                raise ValueError(f"invalid header {name!r}")
            extra += f"\r\n{name}: {value}".encode("latin-1")
        self._host_line = b"\r\nHost: " + host_header.encode("idna") + extra
        self._head = self._host_line + b"\r\nContent-Type: "
        self._connect_timeout_s = connect_timeout_s
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: deque[_Connection] = deque()
        self._closed = False

    async def post(
        self, path: str, body: bytes, *, timeout_s: float, content_type: bytes = b"application/json"
    ) -> tuple[int, bytes]:
        """POST ``body`` to ``path`` and return the answer's status and body.

        Raises:
            HttpError: No complete answer within ``timeout_s`` (connecting included).
        """
        if self._closed:
            raise HttpError("client closed")
        request = b"".join(
            (
                b"POST ",
                path.encode("ascii"),
                b" HTTP/1.1",
                self._head,
                content_type,
                b"\r\nContent-Length: ",
                str(len(body)).encode("ascii"),
                b"\r\n\r\n",
                body,
            )
        )
        status, _, answer = await self._exchange(request, timeout_s)
        return status, answer

    async def request(
        self,
        method: bytes,
        target: bytes,
        body: bytes = b"",
        *,
        timeout_s: float,
        headers: bytes = b"",
    ) -> tuple[int, bytes, bytes]:
        """Send any request: ``target`` as sent on the request line (path and query);
        ``headers`` are extra header lines, each ending in CRLF (no Host or Content-Length:
        the client writes those). Returns the answer's status, its ``Content-Type`` and
        ``Retry-After`` header lines (each ending in CRLF) and its body.

        Raises:
            HttpError: As :meth:`post`; its ``__cause__`` is a :class:`ConnectionRefusedError`
                when the connection was refused (nothing was sent).
        """
        if self._closed:
            raise HttpError("client closed")
        request = b"".join(
            (
                method,
                b" ",
                target,
                b" HTTP/1.1",
                self._host_line,
                b"\r\n",
                headers,
                b"Content-Length: ",
                str(len(body)).encode("ascii"),
                b"\r\n\r\n",
                body,
            )
        )
        return await self._exchange(request, timeout_s)

    async def _exchange(self, request: bytes, timeout_s: float) -> tuple[int, bytes, bytes]:
        async with self._slots:
            try:
                async with asyncio.timeout(timeout_s):
                    connection = self._take() or await self._connect()
                    try:
                        answer = await connection.send(request)
                    except BaseException:
                        connection.close()
                        raise
            except TimeoutError as exc:
                raise HttpError(f"no answer within {timeout_s} s") from exc
            except OSError as exc:
                raise HttpError(f"{type(exc).__name__}: {exc}") from exc
            if self._closed:
                connection.close()  # answered after close(): not kept open
            elif not connection.closed:
                self._idle.append(connection)
            return answer[0], connection.kept_headers, answer[1]

    def _take(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self._connect_timeout_s):
            _, connection = await loop.create_connection(
                _Connection,
                self._host,
                self._port,
                ssl=self._ssl,
                server_hostname=self._host if self._ssl else None,
            )
        return connection

    async def close(self) -> None:
        """Close every idle connection; later calls fail with :class:`HttpError`."""
        self._closed = True
        while self._idle:
            self._idle.pop().close()
        await asyncio.sleep(0)
