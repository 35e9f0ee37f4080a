"""Broadcasts: send a message to a segment of players, paced, resumable, with progress."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from yabot.api.audit import Auditor
from yabot.api.auth import Principal, require_role
from yabot.api.broadcast import Broadcaster, Segment, TooManyBroadcasts, select_recipients
from yabot.api.broadcast_store import Broadcast
from yabot.api.context import auditor_of
from yabot.api.errors import AUTH_RESPONSES, ERROR_RESPONSES, ApiError, ErrorResponse
from yabot.api.idempotency import REPLAYED_HEADER, fingerprint, header_parameter, read_key
from yabot.api.idempotency import reused_key as key_reused
from yabot.api.routes.players import runtime_of
from yabot.api.types import IntegerText, NotBool
from yabot.runtime import Runtime
from yabot.storage.migrations import records_path

BroadcastId = Path(ge=1, le=2**62, description="The broadcast's id.")
EPOCH_MAX = 1e11
Epoch = Annotated[float, Field(ge=0, le=EPOCH_MAX), NotBool]


class SegmentIn(BaseModel):
    """Who receives the message; every given condition must hold."""

    model_config = ConfigDict(extra="forbid")

    tier: Literal["all", "vip", "free"] = "all"
    language: Literal["en", "es"] | None = Field(None, description="The player's language.")
    joined_after: Epoch | None = Field(None, description="Epoch seconds.")
    joined_before: Epoch | None = Field(None, description="Epoch seconds.")


class BroadcastIn(BaseModel):
    """A plain-text message and its segment."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4096)
    segment: SegmentIn = Field(default_factory=lambda: SegmentIn.model_validate({}))


class BroadcastOut(BaseModel):
    """A broadcast and its progress."""

    id: int
    state: Literal["running", "done", "cancelled"]
    text: str
    segment: SegmentIn
    total: int
    sent: int
    failed: int
    pending: int
    created_by: str
    created_at: float
    finished_at: float | None


class BroadcastPage(BaseModel):
    """The newest broadcasts."""

    items: list[BroadcastOut]


def _out(broadcast: Broadcast) -> BroadcastOut:
    return BroadcastOut(
        id=broadcast.id,
        state=broadcast.state,
        text=broadcast.text,
        segment=SegmentIn.model_validate(broadcast.segment),
        total=broadcast.total,
        sent=broadcast.sent,
        failed=broadcast.failed,
        pending=broadcast.pending,
        created_by=broadcast.created_by,
        created_at=broadcast.created_at,
        finished_at=broadcast.finished_at,
    )


def broadcaster_of(request: Request) -> Broadcaster:
    """FastAPI dependency: the app's broadcaster."""
    broadcaster = getattr(request.app.state, "broadcaster", None)
    if not isinstance(broadcaster, Broadcaster):
        raise ApiError(503, "not_running", "broadcasts are not attached to this API")
    return broadcaster


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _doc("No such broadcast.")}
router = APIRouter(
    prefix="/api/v1/broadcasts",
    tags=["broadcasts"],
    responses={**ERROR_RESPONSES, **AUTH_RESPONSES},
)


@router.post(
    "",
    response_model=BroadcastOut,
    status_code=201,
    responses={
        400: _doc("Malformed Idempotency-Key header, or an unreadable body."),
        409: _doc("The Idempotency-Key was used for a different broadcast."),
        429: _doc("Too many broadcasts are running; wait or cancel one."),
    },
    openapi_extra=header_parameter(required=False),
)
async def create_broadcast(
    body: BroadcastIn,
    request: Request,
    response: Response,
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    who: Principal = Depends(require_role("admin")),  # noqa: B008
    broadcaster: Broadcaster = Depends(broadcaster_of),  # noqa: B008
    auditor: Auditor = Depends(auditor_of),  # noqa: B008
) -> BroadcastOut:
    """Send ``text`` to every player of the segment, once each, paced below Telegram's limits.

    Recipients are chosen now. Progress: ``GET /api/v1/broadcasts/{id}``. An optional
    Idempotency-Key makes a retried request return the broadcast it created first.
    """
    key = read_key(request, required=False)
    segment = body.segment.model_dump()
    print_ = fingerprint("broadcast", body.model_dump())
    recipients = await run_in_threadpool(
        select_recipients,
        records_path(runtime.settings),
        Segment(**segment),
        runtime.now(),
        runtime.settings.story.default_language,
    )
    try:
        broadcast, created = await broadcaster.create(
            body.text, segment, recipients, who.subject, key, print_
        )
    except TooManyBroadcasts as exc:
        raise ApiError(429, "too_many_broadcasts", str(exc), {"Retry-After": "10"}) from None
    if not created:
        if broadcast.fingerprint != print_:
            raise key_reused()
        response.headers[REPLAYED_HEADER] = "true"
    await auditor.record(
        who,
        "broadcast.create",
        f"broadcast:{broadcast.id}",
        {
            "segment": segment,
            "total": broadcast.total,
            "replayed": not created,
            "chars": len(body.text),
        },
    )
    return _out(broadcast)


@router.get("", response_model=BroadcastPage)
async def list_broadcasts(
    limit: Annotated[int, Query(ge=1, le=200), IntegerText] = 20,
    state: Literal["running", "done", "cancelled"] | None = Query(None),
    broadcaster: Broadcaster = Depends(broadcaster_of),  # noqa: B008
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
) -> BroadcastPage:
    """The newest broadcasts with their progress."""
    items = await run_in_threadpool(broadcaster.store.latest, limit, state)
    return BroadcastPage(items=[_out(b) for b in items])


@router.get("/{broadcast_id}", response_model=BroadcastOut, responses=NOT_FOUND)
async def get_broadcast(
    broadcast_id: Annotated[int, BroadcastId, IntegerText],
    broadcaster: Broadcaster = Depends(broadcaster_of),  # noqa: B008
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
) -> BroadcastOut:
    """A broadcast's progress: sent, failed, pending, total and state."""
    broadcast = await run_in_threadpool(broadcaster.store.get, broadcast_id)
    if broadcast is None:
        raise ApiError(404, "not_found", "no such broadcast")
    return _out(broadcast)


@router.post(
    "/{broadcast_id}/cancel",
    response_model=BroadcastOut,
    responses={**NOT_FOUND, 409: _doc("The broadcast finished already.")},
)
async def cancel_broadcast(
    broadcast_id: Annotated[int, BroadcastId, IntegerText],
    broadcaster: Broadcaster = Depends(broadcaster_of),  # noqa: B008
    who: Principal = Depends(require_role("admin")),  # noqa: B008
    auditor: Auditor = Depends(auditor_of),  # noqa: B008
) -> BroadcastOut:
    """Stop a running broadcast; messages already submitted are still delivered."""
    broadcast = await broadcaster.cancel(broadcast_id)
    if broadcast is None:
        raise ApiError(404, "not_found", "no such broadcast")
    if broadcast.state == "done":
        raise ApiError(409, "finished", "the broadcast finished already")
    await auditor.record(
        who,
        "broadcast.cancel",
        f"broadcast:{broadcast_id}",
        {"sent": broadcast.sent, "pending": broadcast.pending},
    )
    return _out(broadcast)


__all__ = ["BroadcastIn", "BroadcastOut", "SegmentIn", "broadcaster_of", "router"]
