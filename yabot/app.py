"""``yabot run``: wire the runtime, the admin API, ingress and (locally) the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import uvicorn
from fastapi import FastAPI

from yabot.api.admin_store import SqliteAdminStore, open_admin_store
from yabot.api.app import ApiDeps, create_api
from yabot.api.health import HealthCheck, sqlite_probe, supervision_probe
from yabot.api.routes.cluster import install_forwarding
from yabot.api.routes.cluster import router as cluster_router
from yabot.api.routes.dashboard import runtime_router as dashboard_runtime_router
from yabot.api.routes.operations import install_operations
from yabot.api.routes.players import router as players_router
from yabot.config import ConfigError, Settings
from yabot.observability.gc_policy import GcPolicy
from yabot.observability.logging import configure_logging, get_logger
from yabot.preflight import check_startup
from yabot.runtime import Runtime
from yabot.storage.inbox import Inbox
from yabot.storage.migrations import records_path
from yabot.telegram.http_head import limited_http_protocol
from yabot.telegram.ingress import PollingIngress, set_webhook
from yabot.telegram.remote_sender import RemoteSender
from yabot.telegram.webhook import WebhookHandler, with_webhook
from yabot.telegram.webhook_process import WebhookProcess
from yabot.telegram.webhook_server import WebhookServer

if TYPE_CHECKING:
    from yabot.cluster.leader import Leadership

log = get_logger(__name__)
LOCAL_TOKEN = "7000001:yabot-local-emulator-token"


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: ``yabot run`` owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class LocalPlay:
    """The emulator started for local play, and how to reach it."""

    server: Any
    url: str


def local_settings(settings: Settings) -> tuple[Settings, LocalPlay | None]:
    """Without a bot token, start the emulator and point the bot at it."""
    if settings.telegram.bot_token is not None:
        return settings, None
    from yabot.emulator.server import EmulatorServer
    from yabot.emulator.state import Emulator, EmulatorConfig
    from yabot.storage.registry import LOCAL_EMULATOR_DIR

    emulator = Emulator(
        EmulatorConfig(state_dir=settings.storage.data_dir / LOCAL_EMULATOR_DIR),
        channels=[settings.subscriptions.vip_channel_id],
    )
    server = EmulatorServer(
        emulator, settings.telegram.emulator_host, settings.telegram.emulator_port
    )
    url = server.start()
    telegram = settings.telegram.model_copy(update={"bot_token": LOCAL_TOKEN, "api_base": url})
    telegram = type(settings.telegram).model_validate(
        telegram.model_dump() | {"bot_token": LOCAL_TOKEN}
    )
    return settings.model_copy(update={"telegram": telegram}), LocalPlay(server, url)


def prepare_local_admin(settings: Settings) -> tuple[str, str | None] | None:
    """For local play only (no bot token, no bootstrap password, not production): make sure
    an admin account exists, creating it with a random password the first time.

    Returns:
        None outside local play; else (username, the new password or None when the account
        existed already). Only the password's hash is stored.
    """
    if (
        settings.telegram.bot_token is not None
        or settings.security.production
        or settings.api.bootstrap_admin_password is not None
    ):
        return None
    from yabot.api.admin_store import ensure_local_admin
    from yabot.security.passwords import hash_password

    username = settings.api.bootstrap_admin_user
    log2_n = settings.security.password_scrypt_log2_n
    store = SqliteAdminStore(settings.storage.data_dir / "admin.db")
    try:
        password = ensure_local_admin(store, username, lambda p: hash_password(p, log2_n=log2_n))
    finally:
        store.close()
    if password is not None:
        log.warning("local_admin_created", username=username)
    return username, password


def _postgres_probe(runtime: Runtime) -> Callable[[], None]:
    """A probe that runs ``SELECT 1`` on the shared stores' pool."""
    pool = runtime.pg_pool
    assert pool is not None

    def probe() -> None:
        with pool.connection(timeout=2.0) as conn:
            conn.execute("SELECT 1").fetchone()

    return probe


def build_app(
    settings: Settings, runtime: Runtime, webhook_process: WebhookProcess | None = None
) -> FastAPI:
    """The HTTP app: admin API, health and metrics (the webhook is put in front by ``serve``,
    or served by ``webhook_process``, which ``/readyz`` then checks)."""
    store = open_admin_store(settings, settings.storage.data_dir / "admin.db", runtime.pg_pool)
    records_probe = (
        HealthCheck(_postgres_probe(runtime))
        if runtime.pg_pool is not None
        else HealthCheck(sqlite_probe(records_path(settings)))
    )
    checks = {
        ("postgres" if runtime.pg_pool is not None else "sqlite"): records_probe,
        "snapshots": HealthCheck(runtime.store.ping),
        "redis": HealthCheck(lambda: runtime.relay.health().healthy, required=False),
        "telegram_sender": HealthCheck(
            lambda: runtime.sender is not None and not runtime.sender.breaker_open
        ),
        "scheduler": HealthCheck(runtime.scheduler.healthy),
        "supervisors": HealthCheck(supervision_probe(lambda: runtime.gave_up)),
    }
    if webhook_process is not None:
        checks["webhook_process"] = HealthCheck(lambda: webhook_process.alive)
    app = create_api(settings, ApiDeps(admin_store=store, health_checks=checks))
    app.state.runtime = runtime
    app.include_router(players_router)
    app.include_router(dashboard_runtime_router)
    app.include_router(cluster_router)
    install_operations(app, runtime)
    install_forwarding(app, runtime)
    return app


def api_server_config(settings: Settings, app: Any) -> uvicorn.Config:
    """How uvicorn serves the admin API (and the webhook route on its port).

    Its proxy-header handling is off (it believes ``X-Forwarded-For`` from loopback by
    default): :class:`~yabot.api.middleware.ClientAddressMiddleware` believes it only from
    ``api.trusted_proxies``. Its HTTP protocol enforces the 16 KiB request-head limit.
    """
    return uvicorn.Config(
        app,
        host=settings.api.host,
        port=settings.api.port,
        log_level="warning",
        log_config=None,  # through the root logger: JSON lines
        access_log=False,
        lifespan="on",
        proxy_headers=False,
        http=limited_http_protocol(),
    )


def _polling_leadership(
    settings: Settings, runtime: Runtime, http: httpx.AsyncClient
) -> Leadership:
    """Cluster mode, polling: poll ``getUpdates`` only while this member leads."""
    from yabot.cluster.leader import Leadership  # psycopg: the cluster extra
    from yabot.telegram.sink import Overloaded
    from yabot.telegram.types import IncomingUpdate

    assert runtime.coordinator is not None
    current: list[PollingIngress] = []

    class LeaderOnly:
        """The router, while this member's polling lease holds: a leader woken past its lease
        hands nothing over (nor moves its offset) before it steps down."""

        async def accept(self, update: IncomingUpdate) -> bool:
            if not leadership.holds():
                raise Overloaded("not the polling leader any more", retry_after_s=1.0)
            return await runtime.router.accept(update)

    async def lead() -> None:
        ingress = PollingIngress(settings, LeaderOnly(), http)
        current.append(ingress)
        ingress.start()

    async def step_down() -> None:
        while current:
            await current.pop().stop()

    coordinator = runtime.coordinator
    leadership = Leadership(
        coordinator.dsn,
        "polling",
        lead,
        step_down,
        lease_timeout_s=coordinator.lease_timeout_s,
        member_id=coordinator.member_id,
    )
    return leadership


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    clock: Callable[[], float] = time.time,
    on_started: Callable[[Runtime], None] | None = None,
) -> int:
    """Run until ``stop`` is set; then stop children first within the shutdown timeout.

    ``clock`` is the time of ingress and scheduler (tests pass one they can move).
    ``on_started`` gets the runtime once it runs (for a program that embeds YABOT).
    """
    # The event loop thread waits for the GIL behind the actor threads each time it comes
    # back from I/O; this bounds that wait.
    sys.setswitchinterval(settings.runtime.gil_switch_interval_s)
    runtime = Runtime(settings, clock=clock)
    # Keep-alive for every connection the sender may use at once (httpx keeps only 20 by
    # default: past that, each call opened a new TCP connection; measured in loadtests).
    http = httpx.AsyncClient(
        timeout=settings.telegram.request_timeout_s + settings.telegram.polling_timeout_s,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
    )
    webhook_process: WebhookProcess | None = None
    webhook_server: WebhookServer | None = None
    remote_sender: RemoteSender | None = None
    telegram = settings.telegram
    if telegram.mode == "webhook" and telegram.webhook_port and telegram.webhook_process:
        if not isinstance(runtime.inbox, Inbox):  # it shares the SQLite inbox file
            raise ConfigError(
                'telegram.webhook_process needs storage.backend = "sqlite" (cluster members'
                " serve the webhook in their own process)"
            )
        if telegram.sender_in_webhook_process:
            remote_sender = RemoteSender(settings)
        webhook_process = WebhookProcess(
            settings, runtime.router, runtime.inbox, runtime.router.admit, sender=remote_sender
        )
    # Replies stored by an earlier life are resent at start: with a remote sender they wait
    # in it for the webhook process, started next.
    await runtime.start(remote_sender)
    if on_started is not None:
        on_started(runtime)
    gc_policy = GcPolicy.from_settings(settings.runtime)
    gc_policy.start()
    if webhook_process is not None:
        await webhook_process.start()
    elif telegram.mode == "webhook" and telegram.webhook_port:
        webhook_server = WebhookServer(
            WebhookHandler(settings, runtime.router), settings.api.host, telegram.webhook_port
        )
        await webhook_server.start()
    app = build_app(settings, runtime, webhook_process)
    own_port = webhook_process is not None or webhook_server is not None
    served = app if own_port else with_webhook(settings, runtime.router, app)
    server = _Server(api_server_config(settings, served))
    server_task = asyncio.create_task(server.serve())
    polling: PollingIngress | None = None
    leadership: Leadership | None = None
    if settings.telegram.mode == "polling" and runtime.coordinator is not None:
        # One member polls at a time (a PostgreSQL session lock); it appends to the shared
        # inbox and the shards' owners consume it.
        leadership = _polling_leadership(settings, runtime, http)
        leadership.start()
    elif settings.telegram.mode == "polling":
        polling = PollingIngress(settings, runtime.router, http)
        polling.start()
    else:
        while not server.started:
            await asyncio.sleep(0.05)
        assert runtime.sender is not None
        await set_webhook(runtime.sender, settings)
    log.info(
        "yabot.running",
        mode=settings.telegram.mode,
        api=f"http://{settings.api.host}:{settings.api.port}",
    )
    await stop.wait()
    log.info("yabot.stopping")
    if polling is not None:
        await polling.stop()
    if leadership is not None:
        await leadership.stop()
    if webhook_process is not None:
        # It stops taking updates but keeps making the calls the players' last turns submit.
        await webhook_process.stop_ingress(settings.runtime.shutdown_timeout_s * 0.3)
    if webhook_server is not None:
        await webhook_server.stop()
    server.should_exit = True
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(server_task, 1.5)
    await runtime.stop()
    if webhook_process is not None:
        await webhook_process.stop(settings.runtime.shutdown_timeout_s * 0.2)
    await gc_policy.stop()
    await http.aclose()
    return 0


def _fast_loop_factory() -> Any:
    """uvloop's event loop when it is installed (it is a dependency), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _admin_banner(admin: tuple[str, str | None] | None) -> str:
    if admin is None:
        return ""
    username, password = admin
    if password is None:
        return f"    sign in as {username!r} (its password was shown when it was created)\n"
    return (
        f"    sign in as {username!r} with password {password}\n"
        "    (shown only this once: only its hash is kept)\n"
    )


def hold_data_dir(settings: Settings) -> int:
    """Take ``storage.data_dir`` for this process: an exclusive ``flock`` on the directory
    itself (no file of its own), released by the kernel when the process ends, however it ends.

    Returns:
        The descriptor holding the lock (not inherited by child processes).

    Raises:
        ConfigError: Another ``yabot run`` holds it (two would run two actors per player and
            write the same stores).
    """
    from yabot.storage.sqlite_util import private_dir

    data_dir = private_dir(settings.storage.data_dir)
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if not isinstance(exc, BlockingIOError):  # a file system without flock: serve unlocked
            log.warning("data_dir_not_locked", path=str(data_dir), error=str(exc))
            return fd
        os.close(fd)
        raise ConfigError(
            "config error: storage.data_dir (env YABOT_STORAGE__DATA_DIR) = "
            f"{str(settings.storage.data_dir)!r}: another yabot run is serving from it; stop it"
            " first, or give this one a data_dir of its own"
        ) from None
    return fd


def run(settings: Settings) -> int:
    """Entry point of ``yabot run``: 2 after one line per configuration mistake."""
    configure_logging(settings.logging.level, settings.logging.json_logs)
    try:
        check_startup(settings, ports=True)
        held = hold_data_dir(settings)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return 2
    try:
        return _run_holding(settings)
    finally:
        os.close(held)


def _run_holding(settings: Settings) -> int:
    admin = prepare_local_admin(settings)
    settings, local = local_settings(settings)
    if local is not None:
        from yabot.emulator.chat import chat_command

        api_url = f"http://{settings.api.host}:{settings.api.port}"
        print(
            "\nYABOT is running locally with the Telegram emulator.\n"
            f"  Play in the browser:  {local.url}/chat\n"
            f"  Play in a terminal:   {chat_command(local.url)}\n"
            f"  Dashboard:            {api_url}/admin\n"
            f"{_admin_banner(admin)}"
            f"  Admin API:            {api_url}/api/v1/docs\n"
            "Stop with Ctrl+C.\n",
            flush=True,
        )

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await serve(settings, stop)

    try:
        with asyncio.Runner(loop_factory=_fast_loop_factory()) as runner:
            return runner.run(main())
    except ConfigError as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return 2
    finally:
        if local is not None:
            local.server.stop()


def exit_process(code: int) -> NoReturn:
    """End the process with ``code`` after :func:`run` returned, skipping the heap's teardown.

    By then everything durable is closed (stores, sender, relay, webhook process) and what is
    left is memory. With 100,000 resident players the interpreter's object-by-object teardown
    took 6 s on its own, more than ``runtime.shutdown_timeout_s`` (``docs/benchmarks.md``).
    Logs and standard streams are flushed first.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
