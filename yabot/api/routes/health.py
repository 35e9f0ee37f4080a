"""``/healthz`` (alive), ``/readyz`` (dependencies) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from yabot.api.context import ApiContext, context_of
from yabot.api.errors import ERROR_RESPONSES
from yabot.api.health import run_checks

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)


class Liveness(BaseModel):
    """The process answers."""

    status: Literal["ok"] = "ok"


class DependencyState(BaseModel):
    """One dependency's readiness."""

    name: str
    required: bool
    ok: bool
    detail: str
    latency_ms: float


class Readiness(BaseModel):
    """Whether every required dependency is ok, and each one's state."""

    status: Literal["ready", "not_ready"]
    checks: list[DependencyState]


@router.get("/healthz", response_model=Liveness)
async def healthz() -> Liveness:
    """Liveness: 200 while the process serves requests."""
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A required dependency is not ok."}},
)
async def readyz(context: ApiContext = Depends(context_of)) -> JSONResponse:  # noqa: B008
    """Readiness: 200 when all required dependencies answer, 503 otherwise."""
    results = await run_checks(context.health_checks, context.settings.api.readiness_timeout_s)
    ready = all(r.ok for r in results if r.required)
    body = Readiness(
        status="ready" if ready else "not_ready",
        checks=[
            DependencyState(
                name=r.name,
                required=r.required,
                ok=r.ok,
                detail=r.detail,
                latency_ms=r.latency_ms,
            )
            for r in results
        ],
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text exposition format.",
        }
    },
)
async def metrics() -> PlainTextResponse:
    """Every metric of the process's default Prometheus registry."""
    payload = await run_in_threadpool(generate_latest, REGISTRY)
    return PlainTextResponse(payload, media_type=CONTENT_TYPE_LATEST)
