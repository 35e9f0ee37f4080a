"""The lean webhook server on raw HTTP/1.1: keep-alive, pipelining, limits, routes, shutdown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from yabot.telegram.webhook import WebhookHandler
from yabot.telegram.webhook_server import MAX_HEAD_BYTES, WebhookServer

SECRET = "s3cret"
PATH = "/telegram/webhook"


@pytest.fixture
async def server(settings_for: Any, sink: Any) -> AsyncIterator[WebhookServer]:
    settings = settings_for(webhook_secret=SECRET, max_body_bytes=4096, mode="webhook")
    routes = {"/metrics": lambda: (b"text/plain", b"metric 1\n")}
    server = WebhookServer(WebhookHandler(settings, sink), "127.0.0.1", 0, routes)
    await server.start()
    yield server
    await server.stop()


def request(body: bytes, *, secret: str = SECRET, extra: str = "") -> bytes:
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status_line, *lines = head.decode().split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines if line)}
    body = await reader.readexactly(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body


async def connect(server: WebhookServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def test_keep_alive_connection_serves_many_updates(
    server: WebhookServer, sink: Any, make_text_update: Any
) -> None:
    reader, writer = await connect(server)
    for update_id in (1, 2, 3):
        writer.write(request(json.dumps(make_text_update(update_id)).encode()))
        status, headers, body = await read_answer(reader)
        assert (status, body) == (200, b'{"ok":true}')
        assert headers["content-type"] == "application/json"
    assert [u.update_id for u in sink.accepted] == [1, 2, 3]
    writer.close()


async def test_pipelined_requests_are_answered_in_order(
    server: WebhookServer, sink: Any, make_text_update: Any
) -> None:
    reader, writer = await connect(server)
    good = request(json.dumps(make_text_update(10)).encode())
    bad = request(b"{not json")
    wrong = request(json.dumps(make_text_update(11)).encode(), secret="nope")
    writer.write(good + bad + wrong + request(json.dumps(make_text_update(12)).encode()))
    statuses = [(await read_answer(reader))[0] for _ in range(4)]
    assert statuses == [200, 400, 401, 200]
    assert [u.update_id for u in sink.accepted] == [10, 12]
    writer.close()


async def test_declared_oversize_body_is_413_before_the_body_and_closes(
    server: WebhookServer, sink: Any
) -> None:
    reader, writer = await connect(server)
    writer.write(
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        "Content-Length: 10000000\r\n\r\n".encode()
    )
    status, headers, body = await read_answer(reader)
    assert status == 413 and headers["connection"] == "close"
    assert json.loads(body) == {"ok": False, "reason": "too_large"}
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed
    assert sink.offered == []


async def test_routes_and_wrong_methods(server: WebhookServer) -> None:
    reader, writer = await connect(server)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    assert await read_answer(reader) == (
        200,
        {"content-type": "text/plain", "content-length": "9"},
        b"metric 1\n",
    )
    writer.write(f"GET {PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    status, _, body = await read_answer(reader)
    assert (status, json.loads(body)["reason"]) == (405, "method not allowed")
    writer.write(b"POST /elsewhere HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    assert (await read_answer(reader))[0] == 404
    writer.close()


async def test_garbage_is_400_and_the_connection_closes(server: WebhookServer) -> None:
    reader, writer = await connect(server)
    writer.write(b"HELLO\x00 there\r\n\r\n")
    status, headers, _ = await read_answer(reader)
    assert status == 400 and headers["connection"] == "close"
    assert await asyncio.wait_for(reader.read(), 5) == b""


async def test_a_huge_request_head_is_431(server: WebhookServer) -> None:
    reader, writer = await connect(server)
    writer.write(f"POST {PATH} HTTP/1.1\r\nX-Big: {'a' * MAX_HEAD_BYTES}\r\n".encode())
    status, headers, _ = await read_answer(reader)
    assert status == 431 and headers["connection"] == "close"


async def test_connection_close_is_honoured(
    server: WebhookServer, sink: Any, make_text_update: Any
) -> None:
    reader, writer = await connect(server)
    writer.write(request(json.dumps(make_text_update(20)).encode(), extra="Connection: close\r\n"))
    status, headers, _ = await read_answer(reader)
    assert status == 200 and headers["connection"] == "close"
    assert await asyncio.wait_for(reader.read(), 5) == b""
    assert sink.seen == {20}


async def test_stop_closes_open_connections(server: WebhookServer) -> None:
    reader, _ = await connect(server)
    await asyncio.sleep(0.05)
    await server.stop()
    assert await asyncio.wait_for(reader.read(), 5) == b""
