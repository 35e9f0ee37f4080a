"""The Telegram webhook as a bare ASGI endpoint in front of the HTTP app.

Every update Telegram delivers passes here, so this path skips the admin API's framework
stack (routing, dependency injection, middlewares): measured, that stack cost more CPU than
the rest of an update's ingress. Everything that is not ``POST <webhook_path>`` goes to the
wrapped app unchanged (admin API, health, metrics, lifespan).
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from yabot.observability.logging import get_logger, update_fields
from yabot.telegram.sink import (
    INGRESS_REJECTED,
    Overloaded,
    UpdateSink,
    count_accepted,
)
from yabot.telegram.types import InvalidUpdate, parse_update

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from yabot.config import Settings

log = get_logger(__name__)

_JSON = (b"content-type", b"application/json")
_OK = b'{"ok":true}'


Answer = tuple[int, dict[str, Any] | None, list[tuple[bytes, bytes]]]
"""An HTTP answer: status, JSON payload (None for ``{"ok":true}``), extra headers."""


class _TooLarge(Exception):
    pass


class WebhookHandler:
    """What the webhook does with one request, whatever HTTP server carries it.

    Answers: 401 for a missing or wrong secret header (when a secret is configured), 413 for
    a body above ``max_body_bytes``, 400 with a short reason for a body that is not a valid
    Update, 503 with Retry-After when the sink is overloaded, 500 when the sink fails,
    otherwise 200 after the sink stored the update (also for repeats and for update types
    YABOT ignores). Every refusal is counted and logged.

    Args:
        settings: YABOT's settings (``telegram`` section).
        sink: Receives every valid update before the answer is sent.
    """

    def __init__(self, settings: Settings, sink: UpdateSink) -> None:
        telegram = settings.telegram
        self.path = telegram.webhook_path
        self.limit = telegram.max_body_bytes
        self._sink = sink
        self._secret = (
            telegram.webhook_secret.get_secret_value().encode("latin-1")
            if telegram.webhook_secret
            else None
        )
        if self._secret is None and telegram.mode == "webhook":
            log.warning("webhook_without_secret", path=self.path)

    def check_headers(self, secret: bytes, content_length: bytes) -> Answer | None:
        """Refuse a request on its headers alone (secret, declared size); None to go on."""
        if self._secret is not None and not secrets.compare_digest(secret, self._secret):
            return _refuse(401, "bad_secret" if secret else "missing_secret")
        if content_length and (not content_length.isdigit() or int(content_length) > self.limit):
            return self.too_large()
        return None

    def too_large(self) -> Answer:
        """The answer to a body above the limit."""
        return _refuse(413, "too_large", limit=self.limit)

    async def handle(self, body: bytes) -> Answer:
        """Validate the body, hand the update to the sink; never raises."""
        try:
            return await self._handle(body)
        except Exception as exc:
            INGRESS_REJECTED.labels("webhook", "internal_error").inc()
            log.error("webhook_failed", error=type(exc).__name__)
            return 500, {"ok": False, "reason": "internal error"}, []

    async def _handle(self, body: bytes) -> Answer:
        try:
            update = parse_update(body)
        except InvalidUpdate as exc:
            return _refuse(400, exc.reason, "invalid_update", **update_fields(exc.update_id))
        try:
            is_new = await self._sink.accept(update)
        except Overloaded as exc:
            INGRESS_REJECTED.labels("webhook", "overloaded").inc()
            log.warning("webhook_overloaded", reason=exc.reason, **update_fields(update.update_id))
            retry = str(max(1, round(exc.retry_after_s))).encode()
            return 503, {"ok": False, "reason": "overloaded"}, [(b"retry-after", retry)]
        except Exception as exc:
            INGRESS_REJECTED.labels("webhook", "sink_error").inc()
            log.error(
                "webhook_sink_failed", error=type(exc).__name__, **update_fields(update.update_id)
            )
            return 500, {"ok": False, "reason": "internal error"}, []
        count_accepted("webhook", update, is_new)
        return 200, None, []


def encode_answer(payload: dict[str, Any] | None) -> bytes:
    """The JSON body of an answer (``{"ok":true}`` for None)."""
    return _OK if payload is None else json.dumps(payload).encode()


class WebhookEndpoint:
    """ASGI app: serves ``POST telegram.webhook_path`` itself, passes the rest to ``app``.

    Answers as :class:`WebhookHandler` does, and 405 for another method on the path.

    Args:
        settings: YABOT's settings (``telegram`` section).
        sink: Receives every valid update before the answer is sent.
        app: The app that serves every other request.
    """

    def __init__(self, settings: Settings, sink: UpdateSink, app: ASGIApp) -> None:
        self.handler = WebhookHandler(settings, sink)
        self.path = self.handler.path
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await _answer(send, 405, {"ok": False, "reason": "method not allowed"})
            return
        given, declared = b"", b""
        for name, value in scope["headers"]:
            if name == b"x-telegram-bot-api-secret-token":
                given = value
            elif name == b"content-length":
                declared = value
        answer = self.handler.check_headers(given, declared)
        if answer is None:
            try:
                body = await _read_body(receive, self.handler.limit)
            except _TooLarge:
                answer = self.handler.too_large()
            except ConnectionError:
                return
            else:
                answer = await self.handler.handle(body)
        await _answer(send, *answer)


def with_webhook(settings: Settings, sink: UpdateSink, app: ASGIApp) -> WebhookEndpoint:
    """Put the webhook endpoint in front of ``app`` (see :class:`WebhookEndpoint`)."""
    return WebhookEndpoint(settings, sink, app)


def _refuse(status: int, reason: str, label: str | None = None, **log_fields: Any) -> Answer:
    # ``label`` is the metric's reason when ``reason`` is free text (unbounded label values).
    INGRESS_REJECTED.labels("webhook", label or reason).inc()
    log.warning("webhook_rejected", status=status, reason=reason, **log_fields)
    return status, {"ok": False, "reason": reason}, []


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _TooLarge if size > limit else ConnectionError("client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _answer(
    send: Send,
    status: int,
    payload: dict[str, Any] | None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = encode_answer(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [_JSON, (b"content-length", str(len(body)).encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})
