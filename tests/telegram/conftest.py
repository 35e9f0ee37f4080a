"""A small Bot API fake served by uvicorn on a free port, and helpers for ingress tests.

The fake records every call with its arrival time, can be told to answer with 429s, 5xx
answers or 4xx errors, and enforces ``retry_after`` like Telegram: a call to a chat that
arrives before the chat's ``retry_after`` ran out is recorded as a violation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from yabot.config import Settings
from yabot.telegram.http_head import limited_http_protocol
from yabot.telegram.sink import Overloaded
from yabot.telegram.types import IncomingUpdate

TOKEN = "123456:test-token-ABC"


@dataclass
class Call:
    """One request the fake received."""

    at: float
    method: str
    chat_id: int | None
    params: dict[str, Any]
    status: int


@dataclass
class FakeBotApi:
    """State of the fake; tests script faults and read `calls`."""

    calls: list[Call] = field(default_factory=list)
    script: dict[Any, deque[tuple[int, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    blocked_until: dict[Any, float] = field(default_factory=dict)
    violations: list[Call] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    latency_s: float = 0.0
    next_message_id: int = 1
    new_update: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def close(self) -> None:
        """End pending long polls so the server can shut down."""
        self.closed = True
        self.new_update.set()

    def fail_next(self, key: Any, status: int, times: int = 1, **payload: Any) -> None:
        """Answer the next ``times`` calls for ``key`` (a chat id, a method name or "*")."""
        body = {"ok": False, "error_code": status, "description": f"injected {status}", **payload}
        for _ in range(times):
            self.script[key].append((status, body))

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        """Successful calls of ``method`` (to ``chat_id`` when given), in arrival order."""
        return [
            c
            for c in self.calls
            if c.method == method and c.status == 200 and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.sent(chat_id)]

    def push_update(self, update: dict[str, Any] | RawUpdate) -> None:
        self.updates.append(update)
        self.new_update.set()

    def _scripted(self, chat_id: int | None, method: str) -> tuple[int, dict[str, Any]] | None:
        for key in (chat_id, method, "*"):
            if key is not None and self.script.get(key):
                return self.script[key].popleft()
        return None

    async def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        now = time.monotonic()
        raw_chat = params.get("chat_id")
        chat_id = raw_chat if isinstance(raw_chat, int) else None
        block_key = chat_id if chat_id is not None else method
        body: dict[str, Any]
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        if now < self.blocked_until.get(block_key, 0.0):
            status, body = 429, {"ok": False, "error_code": 429, "description": "too early"}
            call = Call(now, method, chat_id, params, status)
            self.violations.append(call)
        else:
            scripted = self._scripted(chat_id, method)
            if scripted is not None:
                status, body = scripted
            else:
                status, body = 200, await self._result(method, params)
            call = Call(now, method, chat_id, params, status)
        if status == 429:
            retry_after = body.get("parameters", {}).get("retry_after", 0)
            self.blocked_until[block_key] = now + retry_after
        self.calls.append(call)
        return status, body

    async def _result(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "getUpdates":
            return {"ok": True, "result": await self._get_updates(params)}
        if method == "getMe":
            return {"ok": True, "result": {"id": 123456, "is_bot": True, "first_name": "Fake"}}
        if method in ("sendMessage", "editMessageText"):
            self.next_message_id += 1
            return {
                "ok": True,
                "result": {
                    "message_id": self.next_message_id,
                    "chat": {"id": params.get("chat_id"), "type": "private"},
                    "date": int(time.time()),
                    "text": params.get("text"),
                },
            }
        return {"ok": True, "result": True}

    async def _get_updates(self, params: dict[str, Any]) -> list[Any]:
        offset = int(params.get("offset", 0))
        self.updates = [u for u in self.updates if _update_id(u) >= offset]
        if not self.updates and params.get("timeout") and not self.closed:
            self.new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.new_update.wait(), float(params["timeout"]))
        return self.updates[: int(params.get("limit", 100))]


@dataclass(frozen=True)
class RawUpdate:
    """An update the fake sends as these exact bytes (e.g. JSON nested past any parser)."""

    update_id: int
    raw: bytes

    def get(self, key: str) -> Any:
        return self.update_id if key == "update_id" else None


def _update_id(update: dict[str, Any] | RawUpdate) -> int:
    value = update.get("update_id")
    return value if isinstance(value, int) else 0


def _encode(body: dict[str, Any]) -> bytes:
    """``body`` as JSON, with any `RawUpdate` in its result spliced in as its bytes."""
    result = body.get("result")
    if not isinstance(result, list) or not any(isinstance(u, RawUpdate) for u in result):
        return json.dumps(body).encode()
    items = [u.raw if isinstance(u, RawUpdate) else json.dumps(u).encode() for u in result]
    return b'{"ok": true, "result": [' + b", ".join(items) + b"]}"


def fake_app(fake: FakeBotApi) -> FastAPI:
    """The FastAPI app answering ``/bot{token}/{method}`` from ``fake``."""
    app = FastAPI()

    @app.post("/bot{token}/{method}")
    async def bot_api(token: str, method: str, request: Request) -> Response:
        if token != TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        params = await request.json() if await request.body() else {}
        status, body = await fake.handle(method, params)
        return Response(_encode(body), status_code=status, media_type="application/json")

    return app


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app on a free loopback port in this event loop; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", http=limited_http_protocol())
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def fake_api() -> AsyncIterator[tuple[FakeBotApi, str]]:
    """A running fake Bot API and its base URL."""
    fake = FakeBotApi()
    async with serve(fake_app(fake)) as base:
        yield fake, base
        fake.close()


def make_settings(api_base: str = "http://127.0.0.1:9", **telegram: Any) -> Settings:
    """Settings with the test token, ``api_base`` and the given telegram keys."""
    return Settings.model_validate(
        {"telegram": {"bot_token": TOKEN, "api_base": api_base, **telegram}}
    )


class RecordingSink:
    """An `UpdateSink` that remembers update ids; it can refuse or fail chosen ids once."""

    def __init__(self) -> None:
        self.accepted: list[IncomingUpdate] = []
        self.seen: set[int] = set()
        self.overload_once: set[int] = set()
        self.fail_once: set[int] = set()
        self.offered: list[int] = []

    async def accept(self, update: IncomingUpdate) -> bool:
        self.offered.append(update.update_id)
        if update.update_id in self.overload_once:
            self.overload_once.discard(update.update_id)
            raise Overloaded("outbox disk budget exceeded", retry_after_s=0.05)
        if update.update_id in self.fail_once:
            self.fail_once.discard(update.update_id)
            raise RuntimeError("inbox unavailable")
        if update.update_id in self.seen:
            return False
        self.seen.add(update.update_id)
        self.accepted.append(update)
        return True


def text_update(update_id: int, user_id: int = 7, text: str = "hello") -> dict[str, Any]:
    """A private text message update."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": user_id, "is_bot": False, "first_name": "P", "language_code": "es"},
            "chat": {"id": user_id, "type": "private"},
            "date": 1_700_000_000,
            "text": text,
        },
    }


@pytest.fixture
def settings_for() -> Any:
    """`make_settings`, for tests (test modules do not import conftest)."""
    return make_settings


@pytest.fixture
def bot_token() -> str:
    """The token the fake accepts."""
    return TOKEN


@pytest.fixture
def sink() -> RecordingSink:
    """A fresh recording sink."""
    return RecordingSink()


@pytest.fixture
def make_text_update() -> Any:
    """`text_update`, for tests."""
    return text_update


@pytest.fixture
def raw_update() -> Any:
    """`RawUpdate`, for tests."""
    return RawUpdate


@pytest.fixture
def serve_app() -> Any:
    """`serve`, for tests: ``async with serve_app(app) as base_url``."""
    return serve
