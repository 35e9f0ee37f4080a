"""The 16 KiB request-head limit, on both webhook servers, however the head arrives."""

from __future__ import annotations

import asyncio
import json
import re
import select
import socket
from collections.abc import AsyncIterator
from typing import Any

import httptools
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from yabot.telegram.http_head import MAX_HEAD_BYTES, HeadLimit, HeadTooLarge
from yabot.telegram.webhook import WebhookHandler, with_webhook
from yabot.telegram.webhook_server import WebhookServer

SECRET = "s3cret"
PATH = "/telegram/webhook"


@pytest.fixture(params=["lean", "uvicorn"])
async def port(
    request: pytest.FixtureRequest, settings_for: Any, sink: Any, serve_app: Any
) -> AsyncIterator[int]:
    settings = settings_for(webhook_secret=SECRET, max_body_bytes=64 * 1024, mode="webhook")
    if request.param == "lean":
        server = WebhookServer(WebhookHandler(settings, sink), "127.0.0.1", 0)
        await server.start()
        try:
            yield server.port
        finally:
            await server.stop()
        return
    async with serve_app(with_webhook(settings, sink, FastAPI())) as base:
        yield int(base.rsplit(":", 1)[1])


def head(size: int, body: bytes = b"") -> bytes:
    """A webhook request head of exactly ``size`` bytes (padded with an X-Pad header)."""
    start = (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    ).encode()
    pad = size - len(start) - len(b"X-Pad: \r\n\r\n")
    assert pad >= 0
    return start + b"X-Pad: " + b"p" * pad + b"\r\n\r\n"


def update(update_id: int) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "from": {"id": 7, "is_bot": False, "first_name": "P"},
                "chat": {"id": 7, "type": "private"},
                "date": 1,
                "text": "hi",
            },
        }
    ).encode()


def _exchange(port: int, data: bytes, chunk: int | None) -> bytes:
    """Send ``data`` (in chunks, stopping once the server answered), return all it sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        step = chunk or len(data)
        try:
            for at in range(0, len(data), step):
                sock.sendall(data[at : at + step])
                if select.select([sock], [], [], 0)[0]:
                    break  # answered (and closing): writing on would draw a reset
        except ConnectionError:
            pass
        received = b""
        sock.settimeout(1.5)
        try:
            while part := sock.recv(65536):
                received += part
        except (ConnectionError, TimeoutError):
            pass
        return received


async def statuses(port: int, data: bytes, chunk: int | None = None) -> list[int]:
    """The statuses the server answered, in order (the connection is read until it closes
    or stays quiet for 1.5 s)."""
    received = await asyncio.to_thread(_exchange, port, data, chunk)
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]


def refused() -> float:
    total = 0.0
    for server in ("api", "webhook"):
        labels = {"server": server}
        total += REGISTRY.get_sample_value("yabot_http_head_too_large_total", labels) or 0.0
    return total


@pytest.mark.parametrize(
    "chunk", [None, 1, 7, 1000], ids=["one write", "byte by byte", "7-byte chunks", "1 KB chunks"]
)
async def test_a_head_over_the_limit_is_431_however_it_arrives(
    port: int, sink: Any, chunk: int | None
) -> None:
    before = refused()
    body = update(1)
    data = head(MAX_HEAD_BYTES + 1, body) + body
    assert await statuses(port, data, chunk) == [431]
    assert sink.offered == []
    assert refused() - before == 1


@pytest.mark.parametrize("chunk", [None, 1, 1000], ids=["one write", "byte by byte", "1 KB"])
async def test_a_head_at_the_limit_is_served(port: int, sink: Any, chunk: int | None) -> None:
    body = update(2)
    data = head(MAX_HEAD_BYTES, body) + body + head(MAX_HEAD_BYTES, body)[:-4]
    assert await statuses(port, data, chunk) == [200]
    assert sink.offered == [2]


async def test_an_endless_header_line_is_refused_before_it_ends(port: int, sink: Any) -> None:
    data = f"POST {PATH} HTTP/1.1\r\nX-Big: ".encode() + b"a" * (MAX_HEAD_BYTES * 4)
    assert await statuses(port, data, 512) == [431]
    assert sink.offered == []


async def test_many_small_headers_over_the_limit_are_431(port: int, sink: Any) -> None:
    lines = b"".join(b"X-H%d: v\r\n" % i for i in range(MAX_HEAD_BYTES // 8))
    body = update(3)
    data = head(200, body)[:-2] + lines + b"\r\n" + body
    assert await statuses(port, data, 64) == [431]
    assert sink.offered == []


async def test_a_large_head_pipelined_after_a_request_is_431(port: int, sink: Any) -> None:
    first, second = update(4), update(5)
    data = head(300, first) + first + head(MAX_HEAD_BYTES + 500, second) + second
    assert await statuses(port, data) == [200, 431]
    assert sink.offered == [4]


class _Callbacks:
    def __init__(self, limit: HeadLimit) -> None:
        self.limit = limit
        self.completed = 0

    def on_message_begin(self) -> None:
        self.limit.message_begin()

    def on_url(self, url: bytes) -> None:
        self.limit.url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.limit.header(name, value)

    def on_headers_complete(self) -> None:
        self.limit.headers_complete()

    def on_message_complete(self) -> None:
        self.limit.message_complete()
        self.completed += 1


def feed(data: bytes, chunk: int, limit: int = 1024) -> tuple[HeadLimit, int]:
    meter = HeadLimit(limit)
    callbacks = _Callbacks(meter)
    parser = httptools.HttpRequestParser(callbacks)
    try:
        for at in range(0, len(data), chunk):
            meter.feed(parser.feed_data, data[at : at + chunk])
    except httptools.HttpParserError as exc:
        assert isinstance(exc.__cause__, HeadTooLarge)
    return meter, callbacks.completed


@pytest.mark.parametrize("chunk", [1, 2, 3, 100, 1023, 1024, 1025, 100_000])
@pytest.mark.parametrize("size", [1000, 1024, 1025, 1100, 5000])
def test_the_meter_is_exact_at_any_chunking(chunk: int, size: int) -> None:
    start = b"GET /x HTTP/1.1\r\nHost: y\r\n"
    request = start + b"X-Pad: " + b"p" * (size - len(start) - 11) + b"\r\n\r\n"
    assert len(request) == size
    meter, completed = feed(request * 3, chunk)
    assert meter.exceeded == (size > 1024)
    assert completed == (3 if size <= 1024 else 0)
