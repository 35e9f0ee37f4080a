"""``POST /api/v1/auth/token`` (credentials -> access token) and ``GET /api/v1/auth/whoami``."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from yabot.api import middleware
from yabot.api.admin_store import AdminAccount, AdminRole
from yabot.api.auth import Principal, PrincipalRole, require_role
from yabot.api.context import ApiContext, context_of
from yabot.api.errors import AUTH_RESPONSES, ERROR_RESPONSES, ApiError, ErrorResponse
from yabot.api.metrics import LOGIN_FAILURES, LOGIN_RATE_LIMITED
from yabot.observability.logging import get_logger
from yabot.security.passwords import InvalidHashError, burn_verification_time, verify_password

log = get_logger(__name__)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERROR_RESPONSES)


class TokenRequest(BaseModel):
    """Admin credentials."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    """A short-lived bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    role: AdminRole


class WhoAmI(BaseModel):
    """The caller as its token describes it."""

    subject: str
    role: PrincipalRole
    token_id: str
    expires_at: datetime


def _check_credentials(account: AdminAccount | None, password: str, log2_n: int) -> bool:
    if account is None:
        burn_verification_time(password, log2_n=log2_n)
        return False
    try:
        return verify_password(password, account.password_hash)
    except InvalidHashError:
        log.error("stored_password_hash_invalid", username=account.username)
        return False


def _rate_limit(context: ApiContext, username: str, client_ip: str) -> None:
    for scope, limiter, key in (
        ("ip", context.ip_limiter, client_ip),
        ("username", context.user_limiter, username),
    ):
        retry_after = limiter.try_acquire(key)
        if retry_after:
            LOGIN_RATE_LIMITED.labels(scope=scope).inc()
            log.warning("login_rate_limited", scope=scope, client_ip=client_ip)
            raise ApiError(
                429,
                "rate_limited",
                "too many attempts; retry later",
                {"Retry-After": str(math.ceil(retry_after))},
            )


@router.post(
    "/token",
    response_model=TokenResponse,
    responses={
        401: {"model": ErrorResponse, "description": "Invalid username or password."},
        429: {"model": ErrorResponse, "description": "Too many attempts (see Retry-After)."},
    },
)
async def issue_token(
    body: TokenRequest,
    request: Request,
    context: ApiContext = Depends(context_of),  # noqa: B008
) -> TokenResponse:
    """Exchange admin credentials for a short-lived access token."""
    client_ip, peer = middleware.client_ip(request), middleware.peer_ip(request)
    _rate_limit(context, body.username, client_ip)
    account = await run_in_threadpool(context.store.get_admin, body.username)
    log2_n = context.settings.security.password_scrypt_log2_n
    valid = await run_in_threadpool(_check_credentials, account, body.password, log2_n)
    if account is None or not valid:
        LOGIN_FAILURES.inc()
        log.info("login_failed", client_ip=client_ip)
        raise ApiError(401, "invalid_credentials", "invalid username or password")
    context.user_limiter.reset(body.username)
    issued = context.tokens.issue_access_token(account.username, account.role)
    await context.auditor.record(
        issued.principal,
        "auth.login",
        account.username,
        {"client_ip": client_ip, "peer_ip": peer, "token_id": issued.principal.token_id},
    )
    return TokenResponse(
        access_token=issued.token,
        expires_in=context.settings.api.access_token_ttl_s,
        role=account.role,
    )


@router.get("/whoami", response_model=WhoAmI, responses=AUTH_RESPONSES)
async def whoami(
    principal: Principal = Depends(require_role("viewer", allow_service=True)),  # noqa: B008
) -> WhoAmI:
    """Describe the caller (any admin role, or a service token)."""
    return WhoAmI(
        subject=principal.subject,
        role=principal.role,
        token_id=principal.token_id,
        expires_at=datetime.fromtimestamp(principal.expires_at, UTC),
    )
