"""``create_api(settings, deps)``: the admin API as a FastAPI app, ready to serve or mount.

Example::

    store = SqliteAdminStore(settings.storage.data_dir / "admin.sqlite3")
    api = create_api(settings, ApiDeps(admin_store=store, health_checks={
        "sqlite": HealthCheck(sqlite_probe(records_path)),
        "redis": HealthCheck(redis_probe(redis_client), required=False),
    }))
    uvicorn.run(api, host=settings.api.host, port=settings.api.port, proxy_headers=False)

If the app is mounted inside another Starlette app (whose lifespan does not run mounted
apps' lifespans), call ``await bootstrap_admin(app)`` at start instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from yabot.api.admin_store import AdminExistsError, AdminStore
from yabot.api.audit import Auditor
from yabot.api.auth import TokenService, build_token_service
from yabot.api.context import ApiContext, context_of
from yabot.api.dashboard import MetricsSampler, install_dashboard
from yabot.api.errors import install_error_handlers
from yabot.api.health import HealthCheck
from yabot.api.middleware import ClientAddressMiddleware, RequestContextMiddleware
from yabot.api.ratelimit import AttemptLimiter
from yabot.api.routes import auth as auth_routes
from yabot.api.routes import dashboard as dashboard_routes
from yabot.api.routes import health as health_routes
from yabot.api.routes.admin import admin_router
from yabot.config import ConfigError, Settings
from yabot.observability.logging import get_logger
from yabot.security.passwords import hash_password

API_PREFIX = "/api/v1"
log = get_logger(__name__)


@dataclass(frozen=True)
class ApiDeps:
    """What the API needs from the running bot.

    Attributes:
        admin_store: Admin accounts and the audit log.
        health_checks: Probes shown by ``/readyz`` (e.g. sqlite, mongodb, redis,
            telegram_sender, scheduler); required ones decide 200 or 503.
        token_service: Overrides the one built from settings (tests, shared keys).
    """

    admin_store: AdminStore
    health_checks: Mapping[str, HealthCheck] = field(default_factory=dict)
    token_service: TokenService | None = None


def _check_bootstrap_password(settings: Settings) -> None:
    secret = settings.api.bootstrap_admin_password
    if secret is not None and 0 < len(secret.get_secret_value()) < (
        settings.api.min_password_length
    ):
        raise ConfigError(
            "config error: api.bootstrap_admin_password (env YABOT_API__BOOTSTRAP_ADMIN_PASSWORD)"
            f" must be at least api.min_password_length={settings.api.min_password_length} chars"
        )


async def bootstrap_admin(app: FastAPI) -> bool:
    """Create the bootstrap admin account if a password is configured and it is missing.

    Returns:
        True when the account was created now.
    """
    context = context_of_app(app)
    secret = context.settings.api.bootstrap_admin_password
    username = context.settings.api.bootstrap_admin_user
    if secret is None or not secret.get_secret_value():
        return False
    if await run_in_threadpool(context.store.get_admin, username) is not None:
        return False
    password_hash = await run_in_threadpool(
        hash_password,
        secret.get_secret_value(),
        log2_n=context.settings.security.password_scrypt_log2_n,
    )
    try:
        await run_in_threadpool(context.store.create_admin, username, password_hash, "admin")
    except AdminExistsError:
        return False
    await context.auditor.record_as("system", "accounts.bootstrap", username, {"role": "admin"})
    log.warning("bootstrap_admin_created", username=username)
    return True


def context_of_app(app: FastAPI) -> ApiContext:
    """Return the :class:`ApiContext` of an app built by :func:`create_api`."""
    context = getattr(app.state, "yabot", None)
    if not isinstance(context, ApiContext):
        raise RuntimeError("not an app built by create_api")
    return context


def create_api(settings: Settings, deps: ApiDeps) -> FastAPI:
    """Build the admin API.

    Args:
        settings: All settings (``api`` and ``security`` sections are read).
        deps: The admin store, readiness probes and optional token service.

    Returns:
        The FastAPI app: ``/healthz``, ``/readyz``, ``/metrics`` and ``/api/v1/...`` with
        OpenAPI at ``/api/v1/openapi.json``, Swagger UI at ``/api/v1/docs``, ReDoc at
        ``/api/v1/redoc`` and the dashboard at ``/admin`` (all assets local). Its lifespan
        creates the bootstrap admin and runs the dashboard's metrics sampler.

    Raises:
        ConfigError: Invalid JWT or service keys, keys missing in production, or a
            bootstrap password shorter than ``api.min_password_length``.
    """
    _check_bootstrap_password(settings)
    tokens = deps.token_service or build_token_service(settings)
    api = settings.api

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await bootstrap_admin(app)
        await run_in_threadpool(sampler.start)
        try:
            yield
        finally:
            await run_in_threadpool(sampler.stop)

    app = FastAPI(
        title="YABOT admin API",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served from local assets by install_dashboard
        redoc_url=None,
        lifespan=lifespan,
    )
    sampler = MetricsSampler()
    app.state.dashboard_sampler = sampler
    app.state.token_service = tokens
    app.state.yabot = ApiContext(
        settings=settings,
        tokens=tokens,
        store=deps.admin_store,
        auditor=Auditor(deps.admin_store),
        health_checks=dict(deps.health_checks),
        user_limiter=AttemptLimiter(api.login_attempts_per_user, api.login_window_s),
        ip_limiter=AttemptLimiter(api.login_attempts_per_ip, api.login_window_s),
    )
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=api.max_body_bytes,
        limited_prefixes=(f"{API_PREFIX}/", "/healthz", "/readyz", "/metrics"),
    )
    # Added last, so it runs first: everything after it sees the resolved client address.
    app.add_middleware(ClientAddressMiddleware, trusted_proxies=api.trusted_proxies)
    app.include_router(health_routes.router)
    app.include_router(auth_routes.router)
    app.include_router(admin_router(api.min_password_length))
    app.include_router(dashboard_routes.router)
    install_dashboard(
        app, f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs", f"{API_PREFIX}/redoc"
    )
    return app


__all__ = ["API_PREFIX", "ApiDeps", "bootstrap_admin", "context_of", "create_api"]
