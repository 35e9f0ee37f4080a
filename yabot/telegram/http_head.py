"""The request-head limit of YABOT's HTTP servers, however the head arrives.

httptools (llhttp) has no limit on a request head: it buffers a header line until it ends.
:class:`HeadLimit` feeds a connection's bytes to the parser in pieces sized so that a head
that grows past ``MAX_HEAD_BYTES`` is seen before more than one piece of it was parsed,
whether it comes byte by byte, in many small chunks, as one huge header line, or in one
read together with the body. Two measures, both exact lower bounds of the head's size:

- the bytes fed while the parser was inside a head that began at a piece's start;
- the request target and header fields the parser reported (for a head that began in the
  middle of a piece, after a pipelined request).

The lean webhook server uses it directly; :func:`limited_http_protocol` puts it in uvicorn
(the admin API and the webhook route on its port).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from prometheus_client import Counter

MAX_HEAD_BYTES = 16 * 1024

STATUS_LINES = {st.value: b"HTTP/1.1 %d %s" % (st.value, st.phrase.encode()) for st in HTTPStatus}
"""An answer's status line by status code (without its CRLF)."""

HTTP_HEAD_TOO_LARGE = Counter(
    "yabot_http_head_too_large_total",
    "Requests refused with 431 because their head passed the limit, by server.",
    ["server"],
)


class HeadTooLarge(Exception):
    """Raised from a parser callback when the head's fields passed the limit (stops parsing)."""


class HeadLimit:
    """Counts one connection's request-head bytes; see the module's docstring.

    Call :meth:`message_begin`, :meth:`url`, :meth:`header`, :meth:`headers_complete` and
    :meth:`message_complete` from the parser's callbacks, and feed the parser through
    :meth:`feed`. ``exceeded`` turns True (and ``feed`` stops) when a head passed
    ``limit``; the callbacks then raise :class:`HeadTooLarge`, which stops the parser before
    it completes that head (httptools raises it as an ``HttpParserError``).

    Args:
        limit: The largest head accepted, in bytes.
    """

    def __init__(self, limit: int = MAX_HEAD_BYTES) -> None:
        self.limit = limit
        self.exceeded = False
        self._raw = 0
        self._fields = 0
        self._in_head = True
        self._completed = 0

    def feed(self, parse: Callable[[bytes], object], data: bytes) -> None:
        """Give ``data`` to ``parse`` (the parser's ``feed_data``, or a wrapper that ignores
        what comes after a refusal) in pieces; stops when the head passed the limit
        (``exceeded``). What ``parse`` raises propagates."""
        room = self.limit - self._raw if self._in_head else self.limit
        if len(data) <= room:  # the usual case: one piece
            was_in_head, completed = self._in_head, self._completed
            parse(data)
            if self._in_head and was_in_head and completed == self._completed:
                self._raw += len(data)
            return
        at = 0
        while at < len(data) and not self.exceeded:
            room = self.limit - self._raw if self._in_head else self.limit
            if room <= 0:  # ``limit`` bytes of this head were fed and it has not ended
                self.exceeded = True
                return
            piece = data[at : at + room]
            at += len(piece)
            was_in_head, completed = self._in_head, self._completed
            parse(piece)
            if self._in_head and was_in_head and completed == self._completed:
                self._raw += len(piece)

    def message_begin(self) -> None:
        """The parser began a request."""
        self._fields = 0

    def url(self, url: bytes) -> None:
        """The parser reported (part of) the request target."""
        self._fields += len(url)
        if self._fields > self.limit:
            self._exceed()

    def header(self, name: bytes, value: bytes) -> None:
        """The parser reported a header field."""
        self._fields += len(name) + len(value) + 3  # at least ":" and CRLF
        if self._fields > self.limit:
            self._exceed()

    def headers_complete(self) -> None:
        """The head ended; the body (if any) follows."""
        self._in_head = False

    def message_complete(self) -> None:
        """The request ended; what follows is the next request's head."""
        self._in_head = True
        self._raw = 0
        self._completed += 1

    def _exceed(self) -> None:
        self.exceeded = True
        raise HeadTooLarge


LINGER_S = 2.0


def close_gently(transport: asyncio.Transport, linger_s: float = LINGER_S) -> None:
    """Close after a refusal without losing the answer to a TCP reset.

    Closing a socket with unread input makes the kernel send a reset, which can destroy the
    answer still on its way. Instead: send FIN after the answer (half-close), keep reading
    (and dropping) what the client still sends, and close for good after ``linger_s``.
    """
    if transport.is_closing():
        return
    if not transport.can_write_eof():
        transport.close()
        return
    transport.write_eof()
    asyncio.get_running_loop().call_later(linger_s, transport.close)


def too_large_answer() -> bytes:
    """The 431 answer (JSON, connection closed)."""
    body = b'{"ok":false,"reason":"head_too_large"}'
    return (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
        b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    )


def limited_http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with :class:`HeadLimit` (pass it as ``Config(http=...)``).

    A head over the limit is answered 431 and the connection closed; counted in
    ``yabot_http_head_too_large_total{server="api"}``.
    """
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HeadLimitedHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._head_limit = HeadLimit()
            self._refuse_pending = False

        def data_received(self, data: bytes) -> None:
            # uvicorn's own data_received, fed piece by piece, with a 431 for a large head.
            head = self._head_limit
            if head.exceeded:
                return  # refused: what follows is dropped
            self._unset_keepalive_if_required()
            try:
                head.feed(self._parse, data)
            except httptools.HttpParserUpgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    self._unsupported_upgrade_warning()
                return
            except httptools.HttpParserError:
                if not head.exceeded:
                    self.logger.warning("Invalid HTTP request received.")
                    self.send_400_response("Invalid HTTP request received.")
                    return
            if head.exceeded:
                HTTP_HEAD_TOO_LARGE.labels("api").inc()
                self.logger.warning("request head over %d bytes refused", head.limit)
                self._refuse_when_idle()

        def _parse(self, piece: bytes) -> None:
            if not self.transport.is_closing():
                self.parser.feed_data(piece)

        def _refuse_when_idle(self) -> None:
            # Requests read before the large head are answered first, in order.
            busy = self.cycle is not None and not self.cycle.response_complete
            if busy or self.pipeline:
                self._refuse_pending = True
                return
            self._refuse_pending = False
            self.transport.write(too_large_answer())
            close_gently(self.transport)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._refuse_pending and not self.transport.is_closing():
                self._refuse_when_idle()

        def on_message_begin(self) -> None:
            self._head_limit.message_begin()
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._head_limit.url(url)
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._head_limit.header(name, value)
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._head_limit.headers_complete()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._head_limit.message_complete()
            super().on_message_complete()

    return HeadLimitedHttpToolsProtocol
