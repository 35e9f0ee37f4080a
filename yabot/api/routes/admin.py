"""Example admin endpoints: the audit log and admin accounts."""

# Evaluated annotations: the account model is built per router (its password rule).

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from yabot.api.admin_store import AdminExistsError, AdminRole, AuditEntry
from yabot.api.auth import Principal, require_role
from yabot.api.context import ApiContext, context_of
from yabot.api.errors import AUTH_RESPONSES, ERROR_RESPONSES, ApiError, ErrorResponse
from yabot.api.types import IntegerText
from yabot.security.passwords import hash_password

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"
MAX_ID = 2**63 - 1


class AuditEntryOut(BaseModel):
    """One admin action."""

    id: int
    at: datetime
    who: str
    action: str
    target: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    items: list[AuditEntryOut]
    next_before: int | None = Field(
        description="Pass as `before` for the next (older) page; null on the last page."
    )


class AccountOut(BaseModel):
    """An admin account (never its password or hash)."""

    username: str
    role: AdminRole
    created_at: datetime


def _entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        at=datetime.fromtimestamp(entry.at, UTC),
        who=entry.who,
        action=entry.action,
        target=entry.target,
        details=entry.details,
    )


def admin_router(min_password_length: int) -> APIRouter:
    """Build the ``/api/v1/admin`` router (the password rule is part of its schema)."""
    router = APIRouter(
        prefix="/api/v1/admin", tags=["admin"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES}
    )

    class AccountCreate(BaseModel):
        """A new admin account."""

        model_config = ConfigDict(extra="forbid")

        username: str = Field(pattern=USERNAME_PATTERN)
        password: str = Field(min_length=min_password_length, max_length=256)
        role: AdminRole

    @router.get("/audit", response_model=AuditPage)
    async def list_audit(
        limit: Annotated[int, Query(ge=1, le=200), IntegerText] = 50,
        before: Annotated[
            int,
            Query(ge=1, le=MAX_ID, description="Entries below this id (all by default)."),
            IntegerText,
        ] = MAX_ID,
        _: Principal = Depends(require_role("admin")),  # noqa: B008
        context: ApiContext = Depends(context_of),  # noqa: B008
    ) -> AuditPage:
        """Page through the audit log, newest first (admin only)."""
        entries = await run_in_threadpool(context.store.list_audit, limit + 1, before)
        page = entries[:limit]
        next_before = page[-1].id if len(entries) > limit else None
        return AuditPage(items=[_entry_out(e) for e in page], next_before=next_before)

    @router.post(
        "/accounts",
        response_model=AccountOut,
        status_code=201,
        responses={409: {"model": ErrorResponse, "description": "The username is taken."}},
    )
    async def create_account(
        body: AccountCreate,
        principal: Principal = Depends(require_role("admin")),  # noqa: B008
        context: ApiContext = Depends(context_of),  # noqa: B008
    ) -> AccountOut:
        """Create a viewer, operator or admin account (admin only; audited)."""
        log2_n = context.settings.security.password_scrypt_log2_n
        password_hash = await run_in_threadpool(hash_password, body.password, log2_n=log2_n)
        try:
            account = await run_in_threadpool(
                context.store.create_admin, body.username, password_hash, body.role
            )
        except AdminExistsError:
            raise ApiError(409, "conflict", "username already exists") from None
        await context.auditor.record(
            principal, "accounts.create", account.username, {"new_role": account.role}
        )
        return AccountOut(
            username=account.username,
            role=account.role,
            created_at=datetime.fromtimestamp(account.created_at, UTC),
        )

    return router
