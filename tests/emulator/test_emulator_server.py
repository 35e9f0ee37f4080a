"""Bot API calls skip FastAPI's stack (the emulator's hot path) yet answer exactly as routed."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yabot.emulator import botapi
from yabot.emulator.server import create_app
from yabot.emulator.state import Emulator

TOKEN = "123456:test-token"
BOT = f"/bot{TOKEN}"
VOLATILE = {"date", "file_id", "file_unique_id"}


class Passthrough:
    """A user middleware that changes nothing; its presence sends every call the routed way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def apps() -> tuple[FastAPI, FastAPI]:
    """The same emulator twice: calls served directly, and calls routed through FastAPI."""
    direct = create_app(Emulator(tokens=[TOKEN]))
    routed = create_app(Emulator(tokens=[TOKEN]))
    routed.add_middleware(Passthrough)
    return direct, routed


def stable(value: Any) -> Any:
    """The answer without what differs between two identical runs (dates, random file ids)."""
    if isinstance(value, dict):
        return {k: "*" if k in VOLATILE else stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


MULTIPART = (
    b'--XX\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n7\r\n'
    b'--XX\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\nJPEG\r\n--XX--\r\n"
)
KEYBOARD = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
# (HTTP method, path, request keyword arguments) in order; the player creates user 7 first.
SCENARIO: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/_emulator/users", {"json": {"id": 7, "first_name": "Ana"}}),
    ("POST", "/_emulator/users/7/messages", {"json": {"text": "/start"}}),
    ("GET", f"{BOT}/getMe", {}),
    ("POST", f"{BOT}/getme", {"data": {}}),
    ("HEAD", f"{BOT}/getMe", {}),
    ("PUT", f"{BOT}/getMe", {}),
    ("GET", f"{BOT}/getMe/", {}),
    ("GET", "/bot123456:other-secret/getMe", {}),
    ("GET", "/botnot-a-token/getMe", {}),
    ("GET", f"{BOT}/sendTelepathy", {}),
    ("POST", f"{BOT}/getMe", {"content": b"[1]", "headers": {"content-type": "application/json"}}),
    ("POST", f"{BOT}/getMe", {"content": b"{", "headers": {"content-type": "application/json"}}),
    ("POST", f"{BOT}/getMe", {"content": b"x", "headers": {"content-type": "text/plain"}}),
    ("POST", f"{BOT}/getUpdates", {"json": {"timeout": 0}}),
    ("POST", f"{BOT}/sendMessage?chat_id=7&text=from+the+query", {}),
    ("POST", f"{BOT}/sendMessage?chat_id=99", {"json": {"chat_id": 7, "text": "body wins"}}),
    (
        "POST",
        f"{BOT}/sendMessage",
        {
            "json": {
                "chat_id": 7,
                "text": "é ✦ <b>x</b>",
                "parse_mode": "HTML",
                "reply_markup": KEYBOARD,
            }
        },
    ),
    ("POST", f"{BOT}/sendMessage", {"json": {"chat_id": 7, "text": "<b>x", "parse_mode": "HTML"}}),
    ("POST", f"{BOT}/sendMessage", {"data": {"chat_id": "7", "text": "a form"}}),
    ("POST", f"{BOT}/sendMessage", {"json": {"chat_id": 8, "text": "nobody"}}),
    (
        "POST",
        f"{BOT}/sendPhoto",
        {"content": MULTIPART, "headers": {"content-type": "multipart/form-data; boundary=XX"}},
    ),
    # Flood control: the chat's burst of 5 is spent above, so these are 429s and a violation.
    ("POST", f"{BOT}/sendMessage", {"json": {"chat_id": 7, "text": "too fast"}}),
    ("POST", f"{BOT}/sendMessage", {"json": {"chat_id": 7, "text": "too fast again"}}),
    ("GET", "/_emulator/chats/7/messages", {}),
    ("GET", "/_emulator/stats", {}),
]


async def play(app: FastAPI) -> list[tuple[int, str, Any]]:
    answers = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as client:
        for method, path, kwargs in SCENARIO:
            response = await client.request(method, path, **kwargs)
            content_type = response.headers.get("content-type", "")
            is_json = content_type == "application/json" and response.content
            body = response.json() if is_json else response.text
            if (
                path.startswith("/bot")
                and method != "HEAD"
                and response.status_code not in (307, 405)
            ):
                # Byte for byte what Starlette's JSONResponse made of the same answer (the 307 and
                # 405 come from Starlette's router itself).
                starlette = JSONResponse(response.json(), status_code=response.status_code)
                assert response.content == starlette.body
                assert response.headers.raw == starlette.raw_headers
            answers.append((response.status_code, content_type, stable(body)))
    return answers


async def test_direct_and_routed_bot_calls_answer_alike() -> None:
    direct, routed = apps()
    direct_answers = await play(direct)
    routed_answers = await play(routed)
    assert direct_answers == routed_answers
    statuses = [status for status, _, _ in direct_answers]
    assert statuses[2:10] == [200, 200, 200, 405, 307, 401, 401, 404]
    assert statuses[-4:-2] == [429, 429]


async def test_user_middleware_still_sees_bot_calls() -> None:
    seen: list[str] = []

    class Recorder(Passthrough):
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(scope["path"])
            await self.app(scope, receive, send)

    app = create_app(Emulator(tokens=[TOKEN]))
    app.add_middleware(Recorder)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as client:
        assert (await client.post(f"{BOT}/getMe")).json()["ok"] is True
    assert seen == [f"{BOT}/getMe"]


async def test_bot_calls_skip_the_middleware_stack() -> None:
    direct, _ = apps()
    transport = httpx.ASGITransport(app=direct)
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as client:
        assert (await client.get(f"{BOT}/getMe")).json()["ok"] is True
        assert direct.middleware_stack is None
        assert (await client.get("/_emulator/bots")).status_code == 200
        assert direct.middleware_stack is not None


async def test_an_unexpected_error_is_a_plain_500_and_reaches_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: Any) -> Any:
        raise RuntimeError("bug in a method")

    monkeypatch.setitem(botapi.METHODS, "getme", broken)
    for app in apps():
        quiet = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=quiet, base_url="http://emu") as client:
            response = await client.get(f"{BOT}/getMe")
        assert response.status_code == 500
        assert response.text == "Internal Server Error"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        loud = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=loud, base_url="http://emu") as client:
            with pytest.raises(RuntimeError, match="bug in a method"):
                await client.get(f"{BOT}/getMe")


async def asgi_call(
    app: ASGIApp, path: str, messages: list[Message]
) -> tuple[list[Message], Callable[[], Awaitable[Message]]]:
    """Send raw ASGI messages (a body in pieces, a disconnect) that httpx never sends."""
    sent: list[Message] = []
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return sent, receive


async def test_a_body_in_pieces_and_a_client_that_leaves() -> None:
    direct, _ = apps()
    emulator: Emulator = direct.state.emulator
    pieces: list[Message] = [
        {"type": "http.request", "body": b'{"text": "pie', "more_body": True},
        {"type": "http.request", "body": b'ces", "chat_id": "@none"}', "more_body": False},
    ]
    sent, _ = await asgi_call(direct, f"{BOT}/sendMessage", pieces)
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["description"] == "Bad Request: chat not found"
    calls = len(emulator.faults.calls)
    gone: list[Message] = [
        {"type": "http.request", "body": b"{", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent, _ = await asgi_call(direct, f"{BOT}/sendMessage", gone)
    assert sent == []
    assert len(emulator.faults.calls) == calls


def test_a_standalone_emulator_keeps_full_collections_off_its_answers() -> None:
    import gc

    from fastapi.testclient import TestClient

    from yabot.observability.gc_policy import NEVER, GcPolicy

    before = gc.get_threshold()
    app = create_app(Emulator(), GcPolicy(freeze_every_s=3600, full_every_s=7200))
    try:
        with TestClient(app) as client:
            assert client.get("/_emulator/health").status_code == 200
            assert gc.get_threshold()[2] == NEVER
            assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
