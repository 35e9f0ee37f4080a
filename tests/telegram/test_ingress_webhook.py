"""The webhook, served by uvicorn (ASGI endpoint) and by the lean webhook server: secret, size,
validation, duplicates, overload. The same tests run against both servers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import structlog.testing
from fastapi import FastAPI
from prometheus_client import REGISTRY

from yabot.telegram.webhook import WebhookHandler, with_webhook
from yabot.telegram.webhook_server import WebhookServer

SECRET = "s3cret_token-XYZ"
PATH = "/telegram/webhook"


def rejected(reason: str) -> float:
    labels = {"source": "webhook", "reason": reason}
    return REGISTRY.get_sample_value("yabot_telegram_ingress_rejected_total", labels) or 0.0


@pytest.fixture(params=["uvicorn", "lean"])
async def webhook(
    request: pytest.FixtureRequest, settings_for: Any, sink: Any, serve_app: Any
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(webhook_secret=SECRET, max_body_bytes=64 * 1024, mode="webhook")
    if request.param == "lean":
        server = WebhookServer(WebhookHandler(settings, sink), "127.0.0.1", 0)
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
                yield client
        finally:
            await server.stop()
        return
    app = with_webhook(settings, sink, FastAPI())
    async with serve_app(app) as base, httpx.AsyncClient(base_url=base) as client:
        yield client


def post(client: httpx.AsyncClient, body: Any, secret: str | None = SECRET) -> Any:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(PATH, content=content, headers=headers)


async def still_serving(client: httpx.AsyncClient, sink: Any, update: dict[str, Any]) -> None:
    response = await post(client, update)
    assert response.status_code == 200
    assert update["update_id"] in sink.seen


async def test_valid_update_reaches_sink_before_200(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any
) -> None:
    response = await post(webhook, make_text_update(10, user_id=42, text="/start ref_7"))
    assert response.status_code == 200
    [update] = sink.accepted
    assert (update.update_id, update.kind, update.user_id) == (10, "command", 42)
    assert (update.command, update.args, update.language_code) == ("start", "ref_7", "es")


@pytest.mark.parametrize("secret", [None, "wrong", SECRET + "x", ""])
async def test_wrong_or_missing_secret_is_401(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any, secret: str | None
) -> None:
    reason = "bad_secret" if secret else "missing_secret"
    before = rejected(reason)
    response = await post(webhook, make_text_update(11), secret=secret)
    assert response.status_code == 401
    assert sink.offered == []
    assert rejected(reason) - before == 1
    await still_serving(webhook, sink, make_text_update(12))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not valid JSON"),
        (b"", "body is not valid JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (b'"update"', "body is not a JSON object"),
        (b'{"message": {}}', "update_id: Field required"),
        (b'{"update_id": "5"}', "update_id: Input should be a valid integer"),
        (b'{"update_id": 9223372036854775808}', "update_id: Input should be less than"),
        (b'{"update_id": -3}', "update_id: Input should be greater than"),
        (b'{"update_id": 5, "message": {"message_id": 1, "date": 1}}', "message.chat: Field"),
    ],
)
async def test_bad_bodies_are_400_with_a_reason(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any, body: bytes, reason: str
) -> None:
    response = await post(webhook, body)
    assert response.status_code == 400
    assert response.json()["reason"].startswith(reason)
    assert sink.offered == []
    await still_serving(webhook, sink, make_text_update(13))


def _message(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": 1,
        "from": {"id": 5, "is_bot": False, "first_name": "P"},
        "chat": {"id": 5, "type": "private"},
        "date": 1_700_000_000,
        "text": "hello",
    }
    body.update(changes)
    return body


def _member_update(status: str) -> bytes:
    user = {"id": 5, "is_bot": False, "first_name": "P"}
    bot = {"id": 1, "is_bot": True, "first_name": "YABOT"}
    return json.dumps(
        {
            "update_id": 61,
            "my_chat_member": {
                "chat": {"id": 5, "type": "private"},
                "from": user,
                "date": 1_700_000_000,
                "old_chat_member": {"status": "member", "user": bot},
                "new_chat_member": {"status": status, "user": bot},
            },
        }
    ).encode()


def _update(message: dict[str, Any], update_id: int = 60) -> bytes:
    return json.dumps({"update_id": update_id, "message": message}).encode()


NESTING = 10_000
SCHEMA_BREAKS = {
    "chat without type": (_update(_message(chat={"id": 5})), "message.chat.type: Field required"),
    "entities not a list": (
        _update(_message(entities={"type": "bold", "offset": 0, "length": 1})),
        "message.entities: Input should be a valid array",
    ),
    "user without is_bot": (
        _update(_message(**{"from": {"id": 5, "first_name": "P"}})),
        "message.from.is_bot: Field required",
    ),
    "unknown member status": (
        _member_update("overlord"),
        "my_chat_member.new_chat_member.status: Input should be",
    ),
    "date 10**400": (
        _update(_message()).replace(b"1700000000", b"1" + b"0" * 400),
        "message.date: Input should be less than or equal to",
    ),
    "update_id 2**63": (
        json.dumps({"update_id": 2**63, "message": _message()}).encode(),
        "update_id: Input should be less than or equal to",
    ),
    "update_id 10**400": (
        b'{"update_id": 1' + b"0" * 400 + b"}",
        "update_id: Input should be less than or equal to",
    ),
    "two events": (
        json.dumps({"update_id": 62, "message": _message(), "edited_message": _message()}).encode(),
        "body: an update carries one event, got message and edited_message",
    ),
    "nested arrays": (
        b'{"update_id": 63, "x": ' + b"[" * NESTING + b"]" * NESTING + b"}",
        "body is nested too deeply",
    ),
    "nested objects": (
        b'{"update_id": 64, "x": ' + b'{"a":' * NESTING + b"1" + b"}" * NESTING + b"}",
        "body is nested too deeply",
    ),
    "nested inside a message": (
        _update(_message(reply_markup=0)).replace(
            b'"reply_markup": 0', b'"reply_markup": ' + b"[" * NESTING + b"]" * NESTING
        ),
        "body is nested too deeply",
    ),
}


@pytest.mark.parametrize("case", list(SCHEMA_BREAKS))
async def test_bodies_that_break_the_bot_api_schema_are_400_with_the_reason(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any, case: str
) -> None:
    body, reason = SCHEMA_BREAKS[case]
    before = rejected("invalid_update")
    with structlog.testing.capture_logs() as events:
        response = await post(webhook, body)
    assert response.status_code == 400, response.text
    assert response.json() == {"ok": False, "reason": response.json()["reason"]}
    assert response.json()["reason"].startswith(reason), response.json()["reason"]
    assert rejected("invalid_update") - before == 1
    [logged] = [e for e in events if e["event"] == "webhook_rejected"]
    assert logged["status"] == 400 and "hello" not in json.dumps(logged)
    assert sink.offered == []
    await still_serving(webhook, sink, make_text_update(65))


async def test_a_deeply_nested_body_logs_its_update_id(
    webhook: httpx.AsyncClient, sink: Any
) -> None:
    body, _ = SCHEMA_BREAKS["nested objects"]
    with structlog.testing.capture_logs() as events:
        assert (await post(webhook, body)).status_code == 400
    [logged] = [e for e in events if e["event"] == "webhook_rejected"]
    assert logged["update_id"] == 64


async def test_an_unknown_update_type_with_a_valid_body_stays_200(
    webhook: httpx.AsyncClient, sink: Any
) -> None:
    body = {"update_id": 66, "business_message": {"anything": [1, {"goes": True}]}}
    assert (await post(webhook, body)).status_code == 200
    assert [(u.kind, u.update_type) for u in sink.accepted] == [("unhandled", "business_message")]


async def test_one_megabyte_body_is_413(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any
) -> None:
    before = rejected("too_large")
    big = make_text_update(14, text="x" * 1024 * 1024)
    response = await post(webhook, big)
    assert response.status_code == 413
    assert rejected("too_large") - before == 1
    await still_serving(webhook, sink, make_text_update(15))


async def test_chunked_body_over_the_limit_is_413(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"update_id": 16, "message": {"text": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}}'

    response = await webhook.post(
        PATH, content=chunks(), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 413
    assert sink.offered == []
    await still_serving(webhook, sink, make_text_update(17))


async def test_repeated_update_is_200_and_accepted_once(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any
) -> None:
    update = make_text_update(20, text="hola")
    answers = [await post(webhook, update) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [u.update_id for u in sink.accepted] == [20]
    assert sink.offered == [20, 20, 20]


async def test_unhandled_update_types_are_200_and_recorded(
    webhook: httpx.AsyncClient, sink: Any
) -> None:
    poll = {"update_id": 30, "poll": {"id": "p", "question": "?"}}
    sticker = {
        "update_id": 31,
        "message": {
            "message_id": 1,
            "chat": {"id": 5, "type": "private"},
            "date": 1,
            "sticker": {"file_id": "f"},
        },
    }
    for body in (poll, sticker):
        assert (await post(webhook, body)).status_code == 200
    assert [(u.kind, u.update_type) for u in sink.accepted] == [
        ("unhandled", "poll"),
        ("unhandled", "message"),
    ]


async def test_overloaded_sink_is_503_with_retry_after_then_accepted(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any
) -> None:
    sink.overload_once.add(40)
    before = rejected("overloaded")
    with structlog.testing.capture_logs() as events:
        first = await post(webhook, make_text_update(40))
    assert first.status_code == 503 and first.headers["retry-after"] == "1"
    assert rejected("overloaded") - before == 1
    [logged] = [e for e in events if e["event"] == "webhook_overloaded"]
    assert (logged["update_id"], logged["correlation_id"]) == (40, "u40")
    again = await post(webhook, make_text_update(40))
    assert again.status_code == 200 and [u.update_id for u in sink.accepted] == [40]


async def test_an_invalid_update_is_logged_with_its_correlation_id(
    webhook: httpx.AsyncClient, sink: Any
) -> None:
    with structlog.testing.capture_logs() as events:
        response = await post(webhook, {"update_id": 77, "message": "not an object"})
    assert response.status_code == 400
    [logged] = [e for e in events if e["event"] == "webhook_rejected"]
    assert (logged["update_id"], logged["correlation_id"]) == (77, "u77")
    assert sink.offered == []


async def test_failing_sink_is_500_so_telegram_retries(
    webhook: httpx.AsyncClient, sink: Any, make_text_update: Any
) -> None:
    sink.fail_once.add(50)
    assert (await post(webhook, make_text_update(50))).status_code == 500
    assert (await post(webhook, make_text_update(50))).status_code == 200
    assert [u.update_id for u in sink.accepted] == [50]


async def test_without_a_configured_secret_any_request_is_taken(
    settings_for: Any, sink: Any, serve_app: Any, make_text_update: Any
) -> None:
    app = with_webhook(settings_for(), sink, FastAPI())
    async with serve_app(app) as base, httpx.AsyncClient(base_url=base) as client:
        assert (await post(client, make_text_update(60), secret=None)).status_code == 200
    assert sink.seen == {60}


async def test_other_methods_get_405_and_other_paths_reach_the_wrapped_app(
    settings_for: Any, sink: Any, serve_app: Any, make_text_update: Any
) -> None:
    inner = FastAPI()

    @inner.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app = with_webhook(settings_for(webhook_secret=SECRET, mode="webhook"), sink, inner)
    async with serve_app(app) as base, httpx.AsyncClient(base_url=base) as client:
        wrong_method = await client.get(PATH)
        assert wrong_method.status_code == 405
        assert wrong_method.json() == {"ok": False, "reason": "method not allowed"}
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/nowhere")).status_code == 404
        assert (await post(client, make_text_update(70))).json() == {"ok": True}
    assert sink.seen == {70}
