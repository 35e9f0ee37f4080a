"""Request context for every API call: request id, body limit, metrics, last-resort 500,
and the client's address (``X-Forwarded-For`` only from ``api.trusted_proxies``).

Pure ASGI middlewares so that they see every request, including unmatched routes and
exceptions no handler caught, and never buffer a response.
"""

from __future__ import annotations

import ipaddress
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
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


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ClientAddressMiddleware:
    """Sets the request's client address: the TCP peer, or, when the peer is one of
    ``trusted_proxies``, the address that proxy chain reports in ``X-Forwarded-For``.

    The chain is read from the right: every address that is itself a trusted proxy is
    skipped, and the first one that is not is the client (the leftmost entries are whatever
    the caller wrote and prove nothing). From any other peer the header is ignored, so a
    caller cannot pick the address that the per-IP login limit and the audit log see. The
    TCP peer is kept as ``scope["state"]["peer_ip"]`` (see :func:`peer_ip`).

    Run uvicorn with ``proxy_headers=False``: its own handling trusts loopback by default and
    would overwrite the peer before this middleware sees it.

    Args:
        app: The wrapped ASGI app.
        trusted_proxies: IP addresses or CIDR networks of the reverse proxies in front.
    """

    def __init__(self, app: ASGIApp, *, trusted_proxies: Iterable[str] = ()) -> None:
        self.app = app
        self.networks: tuple[IpNetwork, ...] = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in trusted_proxies
        )

    def _trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            peer = str(client[0]) if client else "unknown"
            scope.setdefault("state", {})["peer_ip"] = peer
            if self.networks and self._trusted(_address(peer)):
                forwarded = self._forwarded_client(scope)
                if forwarded is not None:
                    scope["client"] = (forwarded, 0)
        await self.app(scope, receive, send)

    def _forwarded_client(self, scope: Scope) -> str | None:
        chain: list[str] = []
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                chain.extend(value.decode("latin-1").split(","))
        for entry in reversed(chain):
            address = _address(entry)
            if address is None:
                return None  # a malformed hop: believe nothing beyond it
            if not self._trusted(address):
                return str(address)
        return None


def client_ip(request: Request) -> str:
    """The client's address as :class:`ClientAddressMiddleware` resolved it."""
    return request.client.host if request.client else "unknown"


def peer_ip(request: Request) -> str:
    """The TCP peer's address (the proxy's, behind a trusted proxy)."""
    peer = getattr(request.state, "peer_ip", None)
    return str(peer) if peer is not None else client_ip(request)
