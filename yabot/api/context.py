"""What the API's endpoints share, kept on ``app.state.yabot`` by ``create_api``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request

from yabot.api.admin_store import AdminStore
from yabot.api.audit import Auditor
from yabot.api.auth import TokenService
from yabot.api.health import HealthCheck
from yabot.api.ratelimit import AttemptLimiter
from yabot.config import Settings


@dataclass(frozen=True)
class ApiContext:
    """Settings and services the endpoints use."""

    settings: Settings
    tokens: TokenService
    store: AdminStore
    auditor: Auditor
    health_checks: Mapping[str, HealthCheck]
    user_limiter: AttemptLimiter
    ip_limiter: AttemptLimiter


def context_of(request: Request) -> ApiContext:
    """FastAPI dependency returning the app's :class:`ApiContext`."""
    context = getattr(request.app.state, "yabot", None)
    if not isinstance(context, ApiContext):
        raise RuntimeError("the app has no ApiContext; build it with create_api")
    return context


def auditor_of(request: Request) -> Auditor:
    """FastAPI dependency returning the audit-log helper."""
    return context_of(request).auditor
