"""Admin endpoints over the running bot: resident actors, players, stories.

A player's live state is always asked from that player's actor (with a timeout), so what an
admin sees is a state between two transitions, never a half-applied one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import pykka
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from actors import MailboxFull, list_actors
from yabot.api.audit import Auditor
from yabot.api.auth import Principal, require_role
from yabot.api.context import auditor_of
from yabot.api.errors import AUTH_RESPONSES, ERROR_RESPONSES, ApiError, ErrorResponse
from yabot.api.types import IntegerText
from yabot.narrative import NarrativeError
from yabot.player.actor import Inspect, Wake
from yabot.runtime import Runtime, snapshot_key

MAX_USER_ID = 2**52
UserId = Path(ge=1, le=MAX_USER_ID, description="The player's Telegram user id.")
StoryId = Path(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", description="A story id.")
BUSY: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorResponse,
        "description": "The actor did not answer in time or is overloaded.",
    }
}


class ActorOut(BaseModel):
    """One resident player actor."""

    user_id: int
    mailbox_depth: int
    processed: int
    idle_seconds: float
    restarts: int


class ActorPage(BaseModel):
    """Resident player actors, sorted by user id."""

    total: int
    items: list[ActorOut]


class ActorStateOut(BaseModel):
    """A player actor's live state, asked from the actor itself."""

    user_id: int
    resident_before: bool
    mailbox_depth: int
    restarts: int
    snapshot_version: int | None
    state: dict[str, Any]


class PlayerOut(BaseModel):
    """Everything about a player: records and the live state."""

    user_id: int
    profile: dict[str, Any] | None
    subscription: dict[str, Any] | None
    balance: int
    ledger: list[dict[str, Any]]
    story: dict[str, Any]
    signature: dict[str, Any]


class Requested(BaseModel):
    """Whether the operation was requested."""

    requested: bool


class StoryOut(BaseModel):
    """A loaded story."""

    story_id: str
    version: str


def runtime_of(request: Request) -> Runtime:
    """FastAPI dependency: the running bot."""
    runtime = getattr(request.app.state, "runtime", None)
    if not isinstance(runtime, Runtime):
        raise ApiError(503, "not_running", "the bot runtime is not attached to this API")
    return runtime


def _actor_infos() -> dict[int, Any]:
    return {
        info.key: info
        for info in list_actors()
        if info.actor_class == "PlayerActor" and isinstance(info.key, int)
    }


async def _ask(runtime: Runtime, user_id: int, message: Any) -> Any:
    try:
        return await runtime.admin.ask_player(
            user_id, message, timeout=runtime.settings.runtime.ask_timeout_s
        )
    except TimeoutError:
        raise ApiError(503, "actor_timeout", "the player's actor did not answer in time") from None
    except MailboxFull:
        raise ApiError(503, "mailbox_full", "the player's actor is overloaded; try again") from None
    except pykka.ActorDeadError:
        raise ApiError(
            503, "actor_restarting", "the player's actor is restarting; try again"
        ) from None


router = APIRouter(tags=["actors and players"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES})


@router.get("/api/v1/actors", response_model=ActorPage)
async def list_player_actors(
    offset: Annotated[int, Query(ge=0, le=10_000_000), IntegerText] = 0,
    limit: Annotated[int, Query(ge=1, le=500), IntegerText] = 50,
    min_mailbox: Annotated[
        int,
        Query(
            ge=0, le=1_000_000, description="Only actors with this many queued messages or more."
        ),
        IntegerText,
    ] = 0,
    idle_over_s: float = Query(
        0.0, ge=0, le=1e9, description="Only actors idle for longer than this."
    ),
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
) -> ActorPage:
    """Resident player actors, filterable by mailbox depth and idleness, paged."""
    infos = sorted(
        (
            i
            for i in _actor_infos().values()
            if i.mailbox_depth >= min_mailbox and i.idle_seconds >= idle_over_s
        ),
        key=lambda i: i.key,
    )
    page = infos[offset : offset + limit]
    return ActorPage(
        total=len(infos),
        items=[
            ActorOut(
                user_id=i.key,
                mailbox_depth=i.mailbox_depth,
                processed=i.processed,
                idle_seconds=round(i.idle_seconds, 3),
                restarts=i.restarts,
            )
            for i in page
        ],
    )


NOT_PLAYED: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No player with this id has played."}
}


def _has_played(runtime: Runtime, user_id: int) -> bool:
    """A profile, a stored snapshot or an inbox entry: the player exists.

    A player's first updates may live only in the inbox (and its actor) until the next
    snapshot, and a command other than /start writes no profile.
    """
    if runtime.records.profile(user_id) is not None:
        return True
    if runtime.store.load(snapshot_key(user_id)) is not None:
        return True
    return bool(runtime.inbox.entries_after(user_id, 0))


async def _require_played(runtime: Runtime, user_id: int) -> None:
    """404 ``not_found`` unless the player's actor is resident or the player ever played."""
    if runtime.directory.is_resident(user_id):
        return
    if not await run_in_threadpool(_has_played, runtime, user_id):
        raise ApiError(404, "not_found", "no such player: this id never played")


@router.get(
    "/api/v1/actors/{user_id}", response_model=ActorStateOut, responses={**BUSY, **NOT_PLAYED}
)
async def actor_state(
    user_id: Annotated[int, UserId, IntegerText],
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
) -> ActorStateOut:
    """A player actor's live state (activating it from its snapshot if it was passivated);
    404 for an id that never played (no actor is woken for it)."""
    await _require_played(runtime, user_id)
    resident = runtime.directory.is_resident(user_id)
    view = await _ask(runtime, user_id, Inspect())
    info = _actor_infos().get(user_id)
    return ActorStateOut(
        user_id=user_id,
        resident_before=resident,
        mailbox_depth=info.mailbox_depth if info else 0,
        restarts=info.restarts if info else 0,
        snapshot_version=runtime.writer.durable_version(snapshot_key(user_id)),
        state=view,
    )


@router.post("/api/v1/actors/{user_id}/passivate", response_model=Requested)
async def passivate_actor(
    user_id: Annotated[int, UserId, IntegerText],
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    who: Principal = Depends(require_role("operator")),  # noqa: B008
    auditor: Auditor = Depends(auditor_of),  # noqa: B008
) -> Requested:
    """Save the player's actor and stop it; its next message activates it again."""
    requested = runtime.directory.passivate(user_id)
    await auditor.record(who, "actor.passivate", f"user:{user_id}", {"requested": requested})
    return Requested(requested=requested)


@router.post(
    "/api/v1/actors/{user_id}/restart",
    response_model=Requested,
    responses={**BUSY, **NOT_PLAYED},
)
async def restart_actor(
    user_id: Annotated[int, UserId, IntegerText],
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    who: Principal = Depends(require_role("operator")),  # noqa: B008
    auditor: Auditor = Depends(auditor_of),  # noqa: B008
) -> Requested:
    """Rebuild the player's actor from its persisted state (snapshot and inbox); 404 for an
    id that never played."""
    await _require_played(runtime, user_id)
    requested = runtime.directory.passivate(user_id)
    await _ask(runtime, user_id, Wake())
    await auditor.record(who, "actor.restart", f"user:{user_id}", {"was_resident": requested})
    return Requested(requested=True)


@router.get("/api/v1/players/{user_id}", response_model=PlayerOut, responses={**BUSY, **NOT_PLAYED})
async def player(
    user_id: Annotated[int, UserId, IntegerText],
    ledger_limit: Annotated[int, Query(ge=1, le=500), IntegerText] = 20,
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
) -> PlayerOut:
    """A player's profile, subscription, ledger, story position and emotional signature.

    404 for an id that never played (no profile, snapshot or inbox entry): no actor is
    woken for it.
    """
    await _require_played(runtime, user_id)
    records = runtime.records
    profile, subscription, balance, movements = await run_in_threadpool(
        lambda: (
            records.profile(user_id),
            records.subscription(user_id),
            records.balance(user_id),
            records.movements(user_id, ledger_limit),
        )
    )
    view = await _ask(runtime, user_id, Inspect())
    return PlayerOut(
        user_id=user_id,
        profile=asdict(profile) if profile else None,
        subscription=asdict(subscription) if subscription else None,
        balance=balance,
        ledger=[asdict(m) for m in movements],
        story=view["story"],
        signature=view["signature"],
    )


@router.post(
    "/api/v1/stories/{story_id}/reload",
    response_model=StoryOut,
    responses={
        404: {"model": ErrorResponse, "description": "No such story."},
        422: {"model": ErrorResponse, "description": "The story does not load."},
    },
)
async def reload_story(
    story_id: str = StoryId,
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    who: Principal = Depends(require_role("admin")),  # noqa: B008
    auditor: Auditor = Depends(auditor_of),  # noqa: B008
) -> StoryOut:
    """Load the story's compiled JSON again; players mid-story move to the new version."""
    if story_id not in runtime.library.ids():
        raise ApiError(404, "not_found", "no such story")
    try:
        story = await run_in_threadpool(runtime.library.reload, story_id)
    except NarrativeError as exc:
        raise ApiError(422, "story_invalid", str(exc)[:200]) from None
    await auditor.record(who, "story.reload", f"story:{story_id}", {"version": story.version})
    return StoryOut(story_id=story_id, version=story.version)


__all__ = ["router", "runtime_of"]
