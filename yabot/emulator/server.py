"""The emulator's HTTP app, a background-thread runner for tests, and ``yabot emulator``."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
from contextlib import asynccontextmanager
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from yabot.config import Settings
from yabot.emulator.botapi import CANONICAL, METHODS, Params
from yabot.emulator.chat import chat_command
from yabot.emulator.errors import REJECTIONS, BotApiError, bad_request
from yabot.emulator.player import player_error_response, router
from yabot.emulator.state import Emulator, EmulatorConfig, PlayerError
from yabot.emulator.webhook import WebhookDelivery
from yabot.observability.gc_policy import GcPolicy
from yabot.observability.logging import configure_logging, get_logger
from yabot.ports import bind_error, in_use

log = get_logger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_REQUEST_BYTES = 20 * 1024 * 1024
_BOT_PATH = re.compile(r"/bot([^/]+)/([^/]+)")
_DIRECT_METHODS = frozenset({"GET", "POST"})
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    header = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(header + body)
    if not message.is_multipart():
        raise bad_request("can't parse multipart body", reason="bad_body")
    values: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        payload = data if isinstance(data, bytes) else b""
        if part.get_filename() is not None:
            files[name] = payload
            values.setdefault(name, name)
        else:
            values[name] = payload.decode("utf-8", errors="replace")
    return values, files


def parse_params(query_string: bytes, content_type: str, body: bytes) -> Params:
    """Collect a method's parameters from the query string and a JSON/form/multipart body.

    Args:
        query_string: The raw query string of the request.
        content_type: The request's ``Content-Type`` header ("" when absent).
        body: The request body.

    Raises:
        BotApiError: 413 for an oversized body, 400 for a body that cannot be decoded.
    """
    values: dict[str, Any] = (
        dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
        if query_string
        else {}
    )
    files: dict[str, bytes] = {}
    if len(body) > MAX_REQUEST_BYTES:
        raise BotApiError(413, "Request Entity Too Large", reason="body_too_large")
    if body:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "application/json":
            try:
                data = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise bad_request("can't parse JSON body", reason="bad_body") from None
            if not isinstance(data, dict):
                raise bad_request("JSON body must be an object", reason="bad_body")
            values.update(data)
        elif kind == "application/x-www-form-urlencoded":
            values.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        elif kind == "multipart/form-data":
            form, files = _multipart(content_type, body)
            values.update(form)
        else:
            raise bad_request(f"unsupported Content-Type {kind!r}", reason="bad_body")
    return Params(values, files)


def _chat_scope(params: Params) -> int | None:
    try:
        return int(params.raw("chat_id"))
    except (TypeError, ValueError):
        return None


def _error(method: str, error: BotApiError) -> tuple[int, dict[str, Any]]:
    REJECTIONS.labels(method, error.reason).inc()
    log.info("emulator_call_rejected", method=method, code=error.code, reason=error.reason)
    return error.code, error.payload()


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1"))
    return ""


async def _read_body(receive: Receive) -> bytes | None:
    """Return the whole request body, or None when the client went away first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk: bytes = message.get("body", b"")
            if not message.get("more_body", False):
                if not chunks:
                    return chunk
                chunks.append(chunk)
                return b"".join(chunks)
            chunks.append(chunk)
        elif message["type"] == "http.disconnect":
            return None


async def _send_json(send: Send, status: int, content: Any) -> None:
    # The bytes and headers of Starlette's JSONResponse, without building one per call.
    body = _JSON_ENCODER.encode(content).encode("utf-8")
    headers = [(b"content-length", str(len(body)).encode("latin-1")), _JSON_CONTENT_TYPE]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BotApi:
    """The ASGI endpoint of ``/bot{token}/{method}``, answering like api.telegram.org.

    Args:
        emulator: The state the calls act on.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a call routed by Starlette (token and method are its path parameters)."""
        path = scope["path_params"]
        answer = await self.answer(path["token"], path["method"], scope, receive)
        if answer is not None:
            await _send_json(send, *answer)

    async def answer(
        self, token: str, method: str, scope: Scope, receive: Receive
    ) -> tuple[int, dict[str, Any]] | None:
        """Run one call and return its HTTP status and JSON answer.

        Returns:
            The status and body, or None when the client disconnected before its body arrived.
        """
        emulator = self.emulator
        key = method.lower()
        func = METHODS.get(key)
        name = CANONICAL.get(key, "unknown")
        try:
            bot = emulator.register_bot(token)
        except BotApiError as exc:
            return _error(name, exc)
        if func is None:
            return _error(name, BotApiError(404, "Not Found", reason="unknown_method"))
        body = await _read_body(receive)
        if body is None:
            return None
        try:
            params = parse_params(scope["query_string"], _content_type(scope) if body else "", body)
        except BotApiError as exc:
            return _error(name, exc)
        faults = emulator.faults.config
        if faults.latency_ms and (faults.methods is None or name in faults.methods):
            await asyncio.sleep(faults.latency_ms / 1000)
        record, injected = emulator.faults.admit(bot.id, name, _chat_scope(params))
        if injected is not None:
            return _error(name, injected)
        try:
            result = await func(emulator, bot, params)
        except BotApiError as exc:
            emulator.faults.finish(record, exc)
            return _error(name, exc)
        except PlayerError as exc:
            error = bad_request(exc.detail, reason="invalid")
            emulator.faults.finish(record, error)
            return _error(name, error)
        return 200, {"ok": True, "result": result}


class _EmulatorApp(FastAPI):
    """FastAPI, except that Bot API calls skip the middleware stack and the router.

    A bot's ``sendMessage`` is the emulator's hot path under load; FastAPI's layers (error,
    telemetry and body-limit middleware, exception handling, route matching) cost it more
    CPU than the method itself. Those calls go straight to :class:`BotApi` when the app has
    nothing that would change their outcome (user middleware, debug tracebacks, a custom 500
    handler, a root path); any other request, and those calls otherwise, take the normal route.
    """

    bot_api: BotApi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _DIRECT_METHODS
            and not scope.get("root_path")
            and not self.root_path
            and not self.user_middleware
            and not self.debug
            and 500 not in self.exception_handlers
            and Exception not in self.exception_handlers
        ):
            match = _BOT_PATH.fullmatch(scope["path"])
            if match is not None:
                await self._direct(match[1], match[2], scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _direct(
        self, token: str, method: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        try:
            answer = await self.bot_api.answer(token, method, scope, receive)
        except Exception:
            # What Starlette's ServerErrorMiddleware does; the server then logs the exception.
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise
        if answer is not None:
            await _send_json(send, *answer)


def create_app(emulator: Emulator | None = None, gc_policy: GcPolicy | None = None) -> FastAPI:
    """Build the emulator's FastAPI app.

    Args:
        emulator: The state to serve; a fresh one when None.
        gc_policy: Run this garbage collector policy while serving: only for an emulator in
            a process of its own (the policy is process-wide). Without it, the collector's
            full passes over the emulator's growing chat histories stall every answer, for
            100-200 ms each after a few minutes of load (docs/benchmarks.md).
    """
    state = emulator or Emulator()
    webhooks = WebhookDelivery(state)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        app.state.loop = asyncio.get_running_loop()
        if gc_policy is not None:
            gc_policy.start()
        yield
        await webhooks.close()
        if gc_policy is not None:
            await gc_policy.stop()

    # No docs pages: FastAPI's load Swagger UI and ReDoc from a CDN (openapi.json stays).
    app = _EmulatorApp(
        title="YABOT Telegram Bot API emulator", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.emulator = state
    app.state.webhooks = webhooks
    app.bot_api = BotApi(state)
    # A plain ASGI route: the Bot API parses its own parameters, like Telegram. GET and POST
    # calls usually bypass it (see _EmulatorApp); it serves the rest, e.g. HEAD.
    app.router.routes.append(Route("/bot{token}/{method}", app.bot_api, methods=["GET", "POST"]))
    app.include_router(router)

    async def on_player_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PlayerError)
        REJECTIONS.labels("player", str(exc.status)).inc()
        log.info(
            "emulator_player_rejected",
            path=request.url.path,
            status=exc.status,
            reason=exc.detail[:80],
        )
        return player_error_response(exc)

    app.add_exception_handler(PlayerError, on_player_error)

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/chat")

    @app.get("/chat", include_in_schema=False)
    async def chat_page() -> Response:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        path = STATIC_DIR / name
        if "/" in name or not path.is_file():
            return JSONResponse({"detail": "not found"}, status_code=404)
        return FileResponse(path)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


class EmulatorServer:
    """Runs the emulator on a background thread; for tests, load tests and ``yabot run``.

    Args:
        emulator: The state to serve; a fresh one when None.
        host: Interface to bind.
        port: Port to bind; 0 picks a free one.

    Example:
        ``with EmulatorServer() as server: httpx.get(server.url + "/_emulator/health")``
    """

    def __init__(
        self, emulator: Emulator | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.emulator = emulator or Emulator()
        self.app = create_app(self.emulator)
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host=host,
                port=port,
                log_level="warning",
                log_config=None,  # through the root logger: JSON lines
                lifespan="on",
                timeout_graceful_shutdown=2,
                access_log=False,
            )
        )
        self._thread: threading.Thread | None = None
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> str:
        """Start serving and return the base URL once the socket is bound."""
        self._thread = threading.Thread(target=self._server.run, name="tg-emulator", daemon=True)
        self._thread.start()
        started = threading.Event()
        for _ in range(int(timeout / 0.01)):
            if self._server.started:
                started.set()
                break
            if not self._thread.is_alive():
                break
            started.wait(0.01)
        if not started.is_set():
            raise RuntimeError("the emulator did not start")
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self.url

    def stop(self) -> None:
        """End pending long polls, stop serving and wait for the thread."""
        loop: asyncio.AbstractEventLoop | None = getattr(self.app.state, "loop", None)
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.emulator.close(), loop).result(timeout=5)
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _bind_problem(host: str, port: int) -> str | None:
    """Why the emulator cannot listen on ``host:port`` (checked before its banner), or None."""
    if not 0 <= port <= 65535:
        return f"port {port} is not a TCP port (0-65535)"
    error = bind_error(host, port)
    if error is None:
        return None
    if in_use(error):
        return f"port {port} on {host} is in use: choose another with --port"
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


def main(settings: Settings, host: str | None = None, port: int | None = None) -> int:
    """Run ``yabot emulator`` in the foreground until interrupted.

    Args:
        settings: YABOT's settings (``telegram.emulator_host/port`` are the defaults; the VIP
            channel of ``subscriptions.vip_channel_id`` exists from the start).
        host: Interface to bind instead of the configured one.
        port: Port to bind instead of the configured one.

    Returns:
        The process exit code.
    """
    configure_logging(settings.logging.level, settings.logging.json_logs)
    emulator = Emulator(
        EmulatorConfig(state_dir=settings.storage.data_dir / "emulator"),
        channels=[settings.subscriptions.vip_channel_id],
    )
    bind_host = host or settings.telegram.emulator_host
    bind_port = settings.telegram.emulator_port if port is None else port
    problem = _bind_problem(bind_host, bind_port)
    if problem is not None:
        print(f"yabot emulator: {problem}", file=sys.stderr)
        return 2
    url = f"http://{bind_host}:{bind_port}"
    print(
        f"Telegram emulator on {url}  (Bot API: /bot<token>/<method>, chat page: {url}/chat; "
        f"in a terminal: {chat_command(url)})",
        flush=True,
    )
    collector = GcPolicy.from_settings(settings.runtime)
    uvicorn.run(
        create_app(emulator, collector),
        host=bind_host,
        port=bind_port,
        log_level="warning",
        log_config=None,  # through the root logger: JSON lines
        access_log=False,
    )
    return 0
