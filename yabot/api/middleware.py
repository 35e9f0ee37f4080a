"""Request context for every API call: request id, body limit, metrics, last-resort 500.

A pure ASGI middleware so that it sees every request, including unmatched routes and
exceptions no handler caught, and never buffers a response.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yabot.api.errors import ErrorDetail, error_response
from yabot.api.metrics import BODY_TOO_LARGE, LATENCY, REQUESTS, UNHANDLED_ERRORS
from yabot.observability.logging import get_logger

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

log = get_logger(__name__)


class _BodyTooLarge(Exception):
    pass


def _request_id(headers: Headers) -> str:
    incoming = headers.get(REQUEST_ID_HEADER, "")
    return incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, Message | None]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _repeated_query_key(query: bytes) -> str | None:
    """The first query parameter given more than once (no API parameter is a list)."""
    if not query:
        return None
    seen: set[str] = set()
    for key, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if key in seen:
            return key
        seen.add(key)
    return None


class RequestContextMiddleware:
    """Assigns X-Request-ID (kept from the client when it is a safe token), binds it to
    structlog's context vars (as ``request_id`` and ``correlation_id``), refuses bodies over
    ``max_body_bytes`` with 413, counts and times requests by route template, and turns
    any uncaught exception into a 500 in the error model (logged with its traceback, never
    sent to the client).

    Args:
        app: The wrapped ASGI app.
        max_body_bytes: Largest request body accepted on ``limited_prefixes``.
        limited_prefixes: Paths whose bodies are limited here; other routes mounted on the
            same app (e.g. the Telegram webhook) keep their own limits.
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, limited_prefixes: tuple[str, ...] = ("/",)
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limited_prefixes = limited_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = _request_id(headers)
        scope.setdefault("state", {})["request_id"] = request_id
        # The request id doubles as the correlation id of whatever the call sets in motion.
        tokens = structlog.contextvars.bind_contextvars(
            request_id=request_id, correlation_id=request_id
        )
        started = time.perf_counter()
        outcome: dict[str, Any] = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                outcome["started"] = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self._dispatch(scope, receive, send_with_id, headers, request_id, outcome)
        finally:
            self._observe(scope, outcome["status"], time.perf_counter() - started)
            structlog.contextvars.reset_contextvars(**tokens)

    async def _dispatch(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: Headers,
        request_id: str,
        outcome: dict[str, Any],
    ) -> None:
        if not str(scope.get("path", "")).startswith(self.limited_prefixes):
            await self._call_app(scope, receive, send, request_id, outcome)
            return
        repeated = _repeated_query_key(scope.get("query_string", b""))
        if repeated is not None:
            response = error_response(
                request_id,
                422,
                "validation_error",
                "request is invalid",
                details=[
                    ErrorDetail(
                        loc=["query", repeated], msg="given more than once", type="repeated"
                    )
                ],
            )
            await response(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        try:
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                raise _BodyTooLarge
            body, pending = await _read_body(receive, self.max_body_bytes)
        except _BodyTooLarge:
            BODY_TOO_LARGE.inc()
            log.warning("api_body_too_large", path=scope.get("path"), limit=self.max_body_bytes)
            response = error_response(
                request_id,
                413,
                "payload_too_large",
                f"request body exceeds {self.max_body_bytes} bytes",
            )
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return pending if pending is not None else await receive()

        await self._call_app(scope, replay, send, request_id, outcome)

    async def _call_app(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, outcome: dict[str, Any]
    ) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            UNHANDLED_ERRORS.inc()
            log.exception("api_unhandled_error", method=scope.get("method"), path=scope.get("path"))
            if outcome["started"]:
                raise
            response = error_response(request_id, 500, "internal_error", "internal error")
            await response(scope, receive, send)

    @staticmethod
    def _observe(scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        method = str(scope.get("method", ""))
        REQUESTS.labels(route=route, method=method, status=str(status)).inc()
        LATENCY.labels(route=route).observe(seconds)
        log.info(
            "api_request",
            method=method,
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 3),
        )
