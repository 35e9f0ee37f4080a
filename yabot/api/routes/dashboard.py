"""The dashboard's read endpoints: the last hour of metrics samples and the archetypes.

Both are for viewers and above; neither changes anything.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from yabot.api.auth import Principal, require_role
from yabot.api.dashboard.sampler import MetricsSampler, series_catalogue
from yabot.api.errors import AUTH_RESPONSES, ERROR_RESPONSES, ApiError, ErrorResponse
from yabot.api.routes.players import runtime_of
from yabot.emotion.signals import ARCHETYPES
from yabot.observability.logging import get_logger
from yabot.player.actor import Inspect
from yabot.runtime import Runtime

log = get_logger(__name__)

ARCHETYPE_SAMPLE = 500
"""At most this many resident players are asked for their archetype per reading."""
ARCHETYPE_TTL_S = 30.0
ARCHETYPE_CONCURRENCY = 8
ARCHETYPE_ASK_TIMEOUT_S = 2.0


class SeriesOut(BaseModel):
    """What one sample field means."""

    key: str
    title: str
    unit: str


class OverviewOut(BaseModel):
    """Samples of the process's metrics, oldest first (fields are null when not measured)."""

    interval_s: float
    window_s: float
    series: list[SeriesOut]
    samples: list[dict[str, float | None]] = Field(
        description="Each has `t` (epoch seconds) and one value per series key."
    )


class ArchetypesOut(BaseModel):
    """How many resident players have each dominant archetype ("none": not enough evidence)."""

    counts: dict[str, int]
    players: int = Field(description="Players counted (a random sample when `resident` is larger).")
    resident: int
    unanswered: int = Field(description="Sampled players whose actor did not answer in time.")
    at: float


def sampler_of(request: Request) -> MetricsSampler:
    """FastAPI dependency: the app's metrics sampler."""
    sampler = getattr(request.app.state, "dashboard_sampler", None)
    if not isinstance(sampler, MetricsSampler):
        raise ApiError(503, "not_running", "the metrics sampler is not attached to this API")
    return sampler


router = APIRouter(
    prefix="/api/v1/dashboard",
    tags=["dashboard"],
    responses={
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
        503: {"model": ErrorResponse, "description": "Not attached to a running bot."},
    },
)


@router.get("/overview", response_model=OverviewOut)
async def overview(
    since: Annotated[
        float | None, Query(ge=0, le=1e11, description="Only samples taken after this epoch.")
    ] = None,
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
    sampler: MetricsSampler = Depends(sampler_of),  # noqa: B008
) -> OverviewOut:
    """The last hour of samples (one every few seconds): players, updates/s, latencies,
    queues, backlogs, Telegram 429s and retries, GC pauses."""
    return OverviewOut(
        interval_s=sampler.interval_s,
        window_s=sampler.window_s,
        series=[SeriesOut(**s) for s in series_catalogue()],
        samples=sampler.samples(since),
    )


@dataclass
class _Reading:
    value: ArchetypesOut
    lock: asyncio.Lock


async def _read_archetypes(runtime: Runtime) -> ArchetypesOut:
    keys = runtime.directory.keys()
    chosen = keys if len(keys) <= ARCHETYPE_SAMPLE else random.sample(keys, ARCHETYPE_SAMPLE)
    counts = dict.fromkeys([*ARCHETYPES, "none"], 0)
    gate = asyncio.Semaphore(ARCHETYPE_CONCURRENCY)
    unanswered = 0

    async def one(user_id: int) -> None:
        nonlocal unanswered
        if not runtime.directory.is_resident(user_id):
            return  # passivated meanwhile: asking would activate it again
        async with gate:
            try:
                view: dict[str, Any] = await runtime.admin.ask_player(
                    user_id, Inspect(), timeout=ARCHETYPE_ASK_TIMEOUT_S
                )
            except Exception:  # busy, restarting or stopping: counted, not fatal
                unanswered += 1
                return
        dominant = str(view["signature"]["dominant"])
        counts[dominant] = counts.get(dominant, 0) + 1

    await asyncio.gather(*(one(k) for k in chosen))
    players = sum(counts.values())
    return ArchetypesOut(
        counts=counts, players=players, resident=len(keys), unanswered=unanswered, at=time.time()
    )


runtime_router = APIRouter(
    prefix="/api/v1/dashboard",
    tags=["dashboard"],
    responses={
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
        503: {"model": ErrorResponse, "description": "Not attached to a running bot."},
    },
)
"""Routes that ask the players' actors: included only where a runtime is attached."""


@runtime_router.get("/archetypes", response_model=ArchetypesOut)
async def archetypes(
    request: Request,
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
) -> ArchetypesOut:
    """The distribution of dominant archetypes across resident players (each asked of the
    player's actor; at most 500 at random per reading; a reading is kept 30 s)."""
    reading: _Reading | None = getattr(request.app.state, "archetype_reading", None)
    if reading is None:
        reading = _Reading(
            ArchetypesOut(counts={}, players=0, resident=0, unanswered=0, at=0.0), asyncio.Lock()
        )
        request.app.state.archetype_reading = reading
    async with reading.lock:
        if time.time() - reading.value.at >= ARCHETYPE_TTL_S:
            reading.value = await _read_archetypes(runtime)
    return reading.value


__all__ = ["router", "runtime_router", "sampler_of"]
