"""Operations on a player: besitos, subscriptions, refunds. Each is a message to the player's
actor (the only writer of its state), audited, and idempotent by ``Idempotency-Key``.

``install_operations(app, runtime)`` adds these routes, the broadcasts and the events tail to
an app built by ``create_api`` and resumes unfinished broadcasts when the app starts.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import pykka
from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from actors import DirectoryClosed, MailboxFull
from yabot.api.audit import Auditor
from yabot.api.auth import Principal, require_role
from yabot.api.broadcast import RATE_SHARE, Broadcaster
from yabot.api.broadcast_store import open_broadcast_store
from yabot.api.context import auditor_of
from yabot.api.errors import AUTH_RESPONSES, ERROR_RESPONSES, ApiError, ErrorResponse
from yabot.api.idempotency import (
    REPLAYED_HEADER,
    IdempotencyStore,
    fingerprint,
    header_parameter,
    open_idempotency_store,
    read_key,
    reused_key,
)
from yabot.api.routes import broadcasts as broadcast_routes
from yabot.api.routes import events as event_routes
from yabot.api.routes.players import runtime_of
from yabot.api.types import IntegerText, NotBool
from yabot.observability.logging import get_logger
from yabot.runtime import Runtime

log = get_logger(__name__)

MAX_USER_ID = 2**52
UserId = Path(ge=1, le=MAX_USER_ID, description="The player's Telegram user id.")
ChargeId = Path(min_length=1, max_length=200, description="telegram_payment_charge_id.")

OPERATIONS = Counter(
    "yabot_admin_operations_total",
    "Admin operations on players by operation and outcome (applied, replayed, refused_*).",
    ["operation", "outcome"],
)


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: _doc("No such player.")}
BUSY: Responses = {
    503: _doc("The player's actor did not answer in time, is overloaded or restarting.")
}
KEYED: Responses = {
    400: _doc("Missing or malformed Idempotency-Key header, or an unreadable body."),
    409: _doc("The Idempotency-Key was used for a different request; nothing was changed."),
}


class BesitosIn(BaseModel):
    """A credit (amount > 0) or debit (amount < 0)."""

    model_config = ConfigDict(extra="forbid")

    amount: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000), NotBool] = Field(
        description="Signed, never 0.", json_schema_extra={"not": {"const": 0}}
    )
    reason: str = Field(min_length=1, max_length=200, description="Shown to the player.")

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("amount must not be 0")
        return value


class BesitosOut(BaseModel):
    """The applied movement and the balance right after it."""

    user_id: int
    amount: int
    reason: str
    balance: int
    idempotency_key: str


class SubscriptionIn(BaseModel):
    """Grant a tier, or extend the current one, by ``days``."""

    model_config = ConfigDict(extra="forbid")

    tier: str = Field("vip", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    days: Annotated[int, Field(ge=1, le=3650), NotBool]


class SubscriptionOut(BaseModel):
    """The player's subscription after the operation."""

    user_id: int
    tier: str
    status: str
    ends_at: float | None
    idempotency_key: str


class RefundOut(BaseModel):
    """A refund asked of Telegram; the subscription ends when Telegram confirms it."""

    charge_id: str
    user_id: int
    status: str


def idempotency_of(request: Request) -> IdempotencyStore:
    """FastAPI dependency: the store of first answers."""
    store = getattr(request.app.state, "idempotency", None)
    if not isinstance(store, IdempotencyStore):
        raise ApiError(503, "not_running", "operations are not attached to this API")
    return store


def required_key(request: Request) -> str:
    """FastAPI dependency: the mandatory Idempotency-Key (400 when missing or malformed)."""
    key = read_key(request, required=True)
    assert key is not None
    return key


async def ask_actor(call: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """Await an operation on a player's actor, mapping an unresponsive actor to 503."""
    try:
        return await call
    except TimeoutError:
        raise ApiError(503, "actor_timeout", "the player's actor did not answer in time") from None
    except MailboxFull:
        raise ApiError(503, "mailbox_full", "the player's actor is overloaded; try again") from None
    except (pykka.ActorDeadError, DirectoryClosed):
        raise ApiError(
            503,
            "actor_unavailable",
            "the player's actor is restarting or the bot is stopping; try again",
        ) from None


async def _require_player(runtime: Runtime, user_id: int) -> None:
    if await run_in_threadpool(runtime.records.profile, user_id) is None:
        raise ApiError(404, "not_found", "no such player")


class _Keyed:
    """The idempotent, audited frame of one operation: replay a stored answer or keep a new one.

    Both paths record the admin action in the audit log (a replay with ``replayed: True``).
    """

    def __init__(
        self,
        store: IdempotencyStore,
        user_id: int,
        key: str,
        operation: str,
        params: dict[str, Any],
        audit: tuple[Auditor, Principal, str, dict[str, Any]],
    ) -> None:
        self.store, self.scope, self.key, self.operation = store, f"user:{user_id}", key, operation
        self.print = fingerprint(operation, params)
        self.auditor, self.who, self.action, details = audit
        self.details = {**details, "idempotency_key": key}

    async def replay(self, response: Response) -> dict[str, Any] | None:
        stored = await run_in_threadpool(self.store.get, self.scope, self.key)
        if stored is None:
            return None
        if stored.fingerprint != self.print:
            OPERATIONS.labels(self.operation, "refused_key_reused").inc()
            raise reused_key()
        OPERATIONS.labels(self.operation, "replayed").inc()
        response.headers[REPLAYED_HEADER] = "true"
        await self.auditor.record(
            self.who, self.action, self.scope, {**self.details, "replayed": True}
        )
        return stored.body

    async def keep(self, response: Response, body: dict[str, Any]) -> dict[str, Any]:
        stored = await run_in_threadpool(self.store.put, self.scope, self.key, self.print, body)
        if stored.fingerprint != self.print:
            raise reused_key()
        if stored.body != body:
            response.headers[REPLAYED_HEADER] = "true"
        OPERATIONS.labels(self.operation, "applied").inc()
        await self.auditor.record(self.who, self.action, self.scope, self.details)
        return stored.body


@dataclass(frozen=True)
class _Operation:
    """What every keyed operation on a player needs, as one dependency: the runtime, the
    caller (operator or higher), the Idempotency-Key, the answers store and the auditor."""

    runtime: Runtime
    who: Principal
    key: str
    store: IdempotencyStore
    auditor: Auditor

    async def begin(
        self,
        response: Response,
        user_id: int,
        operation: str,
        params: dict[str, Any],
        audit: tuple[str, dict[str, Any]],
    ) -> tuple[_Keyed, dict[str, Any] | None]:
        """The operation's frame, and the stored answer of an earlier call with the key (a
        replay) or None once the player is known to exist (404 when not)."""
        action, details = audit
        keyed = _Keyed(
            self.store,
            user_id,
            self.key,
            operation,
            params,
            (self.auditor, self.who, action, details),
        )
        earlier = await keyed.replay(response)
        if earlier is None:
            await _require_player(self.runtime, user_id)
        return keyed, earlier


async def _operation(
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    who: Principal = Depends(require_role("operator")),  # noqa: B008
    key: str = Depends(required_key),
    store: IdempotencyStore = Depends(idempotency_of),  # noqa: B008
    auditor: Auditor = Depends(auditor_of),  # noqa: B008
) -> _Operation:
    return _Operation(runtime, who, key, store, auditor)


def _refused(operation: str, status: int, code: str, message: str) -> ApiError:
    OPERATIONS.labels(operation, f"refused_{code}").inc()
    log.info("admin_operation.refused", operation=operation, code=code)
    return ApiError(status, code, message)


def _unexpected(operation: str, result: dict[str, Any]) -> ApiError:
    if result.get("status") == "refused":
        return _refused(
            operation,
            503,
            "records_refused",
            "the records database refused the change; nothing was applied",
        )
    OPERATIONS.labels(operation, "error").inc()
    log.error("admin_operation.failed", operation=operation, status=str(result.get("status")))
    return ApiError(500, "operation_failed", "the player's actor could not apply the operation")


router = APIRouter(tags=["operations"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES})


@router.post(
    "/api/v1/players/{user_id}/besitos",
    response_model=BesitosOut,
    responses={
        **KEYED,
        **NOT_FOUND,
        **BUSY,
        409: _doc(
            "A debit larger than the balance, or the Idempotency-Key was used for "
            "a different request; nothing was changed."
        ),
    },
    openapi_extra=header_parameter(required=True),
)
async def adjust_besitos(
    body: BesitosIn,
    response: Response,
    user_id: Annotated[int, UserId, IntegerText],
    op: _Operation = Depends(_operation),  # noqa: B008
) -> dict[str, Any]:
    """Credit or debit besitos once per Idempotency-Key (a repeat returns the first answer)."""
    runtime, who, key, auditor = op.runtime, op.who, op.key, op.auditor
    details = {"amount": body.amount, "reason": body.reason, "idempotency_key": key}
    keyed, earlier = await op.begin(
        response, user_id, "besitos", body.model_dump(), ("besitos.adjust", details)
    )
    if earlier is not None:
        return earlier
    result = await ask_actor(
        runtime.admin.adjust_besitos(user_id, body.amount, body.reason, who.subject, key)
    )
    status = result.get("status")
    if status == "insufficient_funds":
        await auditor.record(who, "besitos.adjust_refused", f"user:{user_id}", details)
        raise _refused(
            "besitos",
            409,
            "insufficient_funds",
            f"the player has {result.get('balance')} besitos; cannot debit {-body.amount}",
        )
    if status == "duplicate":
        balance = await run_in_threadpool(runtime.records.balance, user_id)
    elif status == "applied":
        balance = int(result["balance"])
    else:
        raise _unexpected("besitos", result)
    out = BesitosOut(
        user_id=user_id,
        amount=body.amount,
        reason=body.reason,
        balance=balance,
        idempotency_key=key,
    )
    return await keyed.keep(response, out.model_dump())


async def _subscription_out(
    runtime: Runtime, user_id: int, key: str, result: dict[str, Any]
) -> SubscriptionOut:
    if result.get("status") == "duplicate":
        sub = await run_in_threadpool(runtime.records.subscription, user_id)
        result = asdict(sub) if sub is not None else {"tier": "free", "status": "none"}
    return SubscriptionOut(
        user_id=user_id,
        tier=str(result.get("tier", "free")),
        status=str(result.get("status")),
        ends_at=result.get("ends_at"),
        idempotency_key=key,
    )


@router.post(
    "/api/v1/players/{user_id}/subscription",
    response_model=SubscriptionOut,
    responses={**KEYED, **BUSY, 404: _doc("No such player, or no such tier.")},
    openapi_extra=header_parameter(required=True),
)
async def grant_subscription(
    body: SubscriptionIn,
    response: Response,
    user_id: Annotated[int, UserId, IntegerText],
    op: _Operation = Depends(_operation),  # noqa: B008
) -> dict[str, Any]:
    """Grant a tier, or extend the current one, by ``days`` (once per Idempotency-Key)."""
    audit = ("subscription.grant", {"tier": body.tier, "days": body.days})
    keyed, earlier = await op.begin(response, user_id, "grant", body.model_dump(), audit)
    if earlier is not None:
        return earlier
    result = await ask_actor(
        op.runtime.admin.grant(user_id, body.tier, body.days, op.who.subject, op.key)
    )
    if result.get("status") == "invalid":
        raise _refused("grant", 404, "unknown_tier", f"no tier named {body.tier!r}")
    if result.get("status") not in ("active", "duplicate"):
        raise _unexpected("grant", result)
    out = await _subscription_out(op.runtime, user_id, op.key, result)
    return await keyed.keep(response, out.model_dump())


@router.delete(
    "/api/v1/players/{user_id}/subscription",
    response_model=SubscriptionOut,
    responses={
        **KEYED,
        **NOT_FOUND,
        **BUSY,
        409: _doc(
            "The player has no active paid tier, or the Idempotency-Key was used "
            "for a different request; nothing was changed."
        ),
    },
    openapi_extra=header_parameter(required=True),
)
async def revoke_subscription(
    response: Response,
    user_id: Annotated[int, UserId, IntegerText],
    op: _Operation = Depends(_operation),  # noqa: B008
) -> dict[str, Any]:
    """End the player's paid tier now and remove them from the VIP channel."""
    keyed, earlier = await op.begin(response, user_id, "revoke", {}, ("subscription.revoke", {}))
    if earlier is not None:
        return earlier
    result = await ask_actor(op.runtime.admin.revoke(user_id, op.who.subject, op.key))
    if result.get("status") == "not_subscribed":
        raise _refused("revoke", 409, "not_subscribed", "the player has no active paid tier")
    if result.get("status") not in ("revoked", "duplicate"):
        raise _unexpected("revoke", result)
    out = await _subscription_out(op.runtime, user_id, op.key, result)
    return await keyed.keep(response, out.model_dump())


@router.post(
    "/api/v1/payments/{charge_id}/refund",
    response_model=RefundOut,
    status_code=202,
    responses={
        404: _doc("No such payment."),
        **BUSY,
        409: _doc("The payment was refunded already."),
    },
)
async def refund_payment(
    charge_id: str = ChargeId,
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    who: Principal = Depends(require_role("admin")),  # noqa: B008
    auditor: Auditor = Depends(auditor_of),  # noqa: B008
) -> RefundOut:
    """Ask Telegram to refund a Stars payment (refundStarPayment) through the payer's actor;
    when Telegram confirms, the payment is marked refunded and the subscription ends."""
    payment = await run_in_threadpool(runtime.records.payment, charge_id)
    if payment is None:
        raise _refused("refund", 404, "not_found", "no such payment")
    if payment.status == "refunded":
        raise _refused("refund", 409, "already_refunded", "the payment was refunded already")
    result = await ask_actor(runtime.admin.refund(payment.user_id, charge_id, who.subject))
    status = result.get("status")
    if status == "already_refunded":
        raise _refused("refund", 409, "already_refunded", "the payment was refunded already")
    if status == "unknown_charge":
        raise _refused("refund", 404, "not_found", "the payer's state holds no such payment")
    if status != "refund_requested":
        raise _unexpected("refund", result)
    OPERATIONS.labels("refund", "applied").inc()
    await auditor.record(
        who,
        "payment.refund",
        f"user:{payment.user_id}",
        {"charge_id": charge_id, "stars": payment.amount},
    )
    return RefundOut(charge_id=charge_id, user_id=payment.user_id, status="refund_requested")


def install_operations(app: FastAPI, runtime: Runtime) -> None:
    """Add operations, broadcasts and the events tail to ``app``; broadcasts resume when the
    app starts and pause when it stops."""
    pool = getattr(runtime, "pg_pool", None)  # storage.backend = "postgres"
    app.state.idempotency = open_idempotency_store(runtime.settings, pool)
    broadcaster = Broadcaster(
        open_broadcast_store(runtime.settings, pool),
        lambda: runtime.sender,
        runtime.settings.telegram.global_rate_per_s * RATE_SHARE,
    )
    app.state.broadcaster = broadcaster
    app.include_router(router)
    app.include_router(broadcast_routes.router)
    app.include_router(event_routes.router)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with inner(application) as state:
            await broadcaster.start()
            try:
                yield state
            finally:
                with contextlib.suppress(Exception):
                    await broadcaster.stop()

    app.router.lifespan_context = lifespan


__all__ = ["install_operations", "router"]
