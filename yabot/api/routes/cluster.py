"""Cluster mode in the admin API: ``GET /api/v1/cluster``, and per-player requests forwarded to
the member that owns the player's shard.

A player's live state and the operations on its actor exist only on the shard's owner. A
member that receives ``/api/v1/actors/{user_id}...`` or ``/api/v1/players/{user_id}...`` for
a shard it does not own forwards the request to the owner's ``cluster.member_url`` and answers
with the owner's response. It verifies the caller's token first and sends, instead of it, a
short-lived service token (signed with the members' shared ``api.service_token``) naming the
caller, the caller's role and this one request (:meth:`TokenService.mint_forwarded_token`):
the owner checks the caller's role and records the caller in the audit log, and accepts such
a token only on a request marked forwarded (the ``X-Yabot-Forwarded`` header, which also stops
a second hop). A request without a valid token is not forwarded: this member answers 401.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from yabot.api.auth import (
    FORWARDED_HEADER,
    SERVICE_ROLE,
    Principal,
    TokenError,
    require_role,
    token_service_of,
)
from yabot.api.errors import AUTH_RESPONSES, ERROR_RESPONSES, ApiError
from yabot.api.routes.players import runtime_of
from yabot.observability.logging import get_logger
from yabot.runtime import Runtime
from yabot.shards import shard_of

log = get_logger(__name__)

_PLAYER_PATH = re.compile(r"^/api/v1/(?:actors|players)/(\d{1,16})(?:/[a-z_]+)?$")
_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


class MemberOut(BaseModel):
    """One member of the cluster."""

    member_id: str
    url: str
    alive: bool
    started_at: datetime
    heartbeat_at: datetime
    left_at: datetime | None
    shards: list[int]


class ShardOut(BaseModel):
    """One shard: its owner, epoch and inbox backlog."""

    shard: int
    owner: str | None
    epoch: int
    expires_at: datetime | None
    acquired_at: datetime | None
    pending: int
    newest_seq: int | None
    consumer_seq: int | None


class HandoffOut(BaseModel):
    """One change of a shard's owner (``acquire``, ``takeover``, ``rebalance``, ``leave``)."""

    shard: int
    from_member: str | None
    to_member: str | None
    epoch: int
    kind: str
    at: datetime


class ClusterOut(BaseModel):
    """The cluster as this member sees it."""

    enabled: bool
    member_id: str | None
    lease_timeout_s: float | None
    members: list[MemberOut]
    shards: list[ShardOut]
    handoffs: list[HandoffOut]


router = APIRouter(tags=["cluster"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES})


def _read_cluster(runtime: Runtime) -> ClusterOut:
    coordinator, pool = runtime.coordinator, runtime.pg_pool
    if coordinator is None or pool is None:
        return ClusterOut(
            enabled=False, member_id=None, lease_timeout_s=None, members=[], shards=[], handoffs=[]
        )
    from yabot.cluster.leases import ADVISORY_NAMESPACE  # cluster mode: psycopg is there

    with pool.connection() as conn:
        # alive as the coordinator counts it (yabot.cluster.leases._ALIVE): a fresh heartbeat
        # and the member's session still holding its advisory lock, so a killed member whose
        # shards already moved is not shown alive until its heartbeat ages out
        members = conn.execute(
            "SELECT m.member_id, m.url, m.started_at, m.heartbeat_at, m.left_at,"
            " m.left_at IS NULL AND m.heartbeat_at > now() - make_interval(secs => %s)"
            " AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.objsubid = 2 AND l.classid = %s::bigint::oid"
            " AND l.objid = m.lock_key::bigint::oid)"
            " FROM cluster_members m ORDER BY m.started_at DESC LIMIT 100",
            (coordinator.lease_timeout_s, ADVISORY_NAMESPACE),
        ).fetchall()
        leases = conn.execute(
            "SELECT shard, owner, epoch, NULLIF(expires_at, '-infinity'), acquired_at,"
            " owner IS NOT NULL AND expires_at > now() FROM shard_leases ORDER BY shard"
        ).fetchall()
        handoffs = conn.execute(
            "SELECT shard, from_member, to_member, epoch, kind, at FROM shard_handoffs"
            " ORDER BY id DESC LIMIT 50"
        ).fetchall()
    backlog = runtime.inbox.shard_backlog() if hasattr(runtime.inbox, "shard_backlog") else {}
    cursors = runtime.consumers.cursors() if runtime.consumers is not None else {}
    owned: dict[str, list[int]] = {}
    for shard, owner, _, _, _, held in leases:
        if held:
            owned.setdefault(str(owner), []).append(int(shard))
    return ClusterOut(
        enabled=True,
        member_id=coordinator.member_id,
        lease_timeout_s=coordinator.lease_timeout_s,
        members=[
            MemberOut(
                member_id=m[0],
                url=m[1],
                started_at=m[2],
                heartbeat_at=m[3],
                left_at=m[4],
                alive=bool(m[5]),
                shards=owned.get(m[0], []),
            )
            for m in members
        ],
        shards=[
            ShardOut(
                shard=int(s[0]),
                owner=s[1] if s[5] else None,
                epoch=int(s[2]),
                expires_at=s[3] if s[5] else None,
                acquired_at=s[4],
                pending=backlog.get(int(s[0]), (0, 0))[0],
                newest_seq=backlog.get(int(s[0]), (0, None))[1],
                consumer_seq=cursors.get(int(s[0])),
            )
            for s in leases
        ],
        handoffs=[
            HandoffOut(
                shard=int(h[0]),
                from_member=h[1],
                to_member=h[2],
                epoch=int(h[3]),
                kind=h[4],
                at=h[5],
            )
            for h in handoffs
        ],
    )


@router.get("/api/v1/cluster", response_model=ClusterOut)
async def cluster_view(
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
) -> ClusterOut:
    """Members and their shards, each shard's epoch and inbox backlog, the last handoffs."""
    try:
        return await run_in_threadpool(_read_cluster, runtime)
    except Exception as exc:  # the database is away: say so, never a traceback
        log.warning("cluster.view_failed", error=type(exc).__name__)
        raise ApiError(
            503, "cluster_unavailable", "the cluster's database did not answer"
        ) from None


def _owner_url(runtime: Runtime, shard: int) -> str | None:
    pool = runtime.pg_pool
    assert pool is not None
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT m.url FROM shard_leases s JOIN cluster_members m ON m.member_id = s.owner"
            " WHERE s.shard = %s AND s.expires_at > now() AND m.left_at IS NULL",
            (shard,),
        ).fetchone()
    return str(row[0]) if row and row[0] else None


def install_forwarding(app: FastAPI, runtime: Runtime) -> None:
    """Forward per-player admin requests to the owner of the player's shard (cluster mode)."""
    coordinator = runtime.coordinator
    if coordinator is None:
        return
    client = httpx.AsyncClient(timeout=runtime.settings.runtime.ask_timeout_s + 5.0)

    @app.middleware("http")
    async def forward_to_owner(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        match = _PLAYER_PATH.match(request.url.path)
        if match is None or request.headers.get(FORWARDED_HEADER):
            return await call_next(request)
        shard = shard_of(int(match.group(1)), coordinator.shards)
        if coordinator.lease(shard) is not None:
            return await call_next(request)
        caller = _caller(request)
        if caller is None:  # no valid token: refused here, by the route's own check
            return await call_next(request)
        try:
            url = await run_in_threadpool(_owner_url, runtime, shard)
        except Exception:
            url = None
        if not url:
            return _unavailable("shard_unowned", f"shard {shard} has no owner right now; try again")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        headers[FORWARDED_HEADER] = coordinator.member_id
        if caller.role != SERVICE_ROLE:
            forwarded = token_service_of(request).mint_forwarded_token(
                caller, coordinator.member_id, request.method, request.url.path
            )
            headers["authorization"] = "Bearer " + forwarded.token
        try:
            answer = await client.request(
                request.method,
                url.rstrip("/") + request.url.path,
                params=request.url.query or None,
                content=await request.body(),
                headers=headers,
            )
        except httpx.HTTPError as exc:
            log.warning("cluster.forward_failed", shard=shard, error=type(exc).__name__)
            return _unavailable("owner_unreachable", f"the owner of shard {shard} did not answer")
        return Response(
            answer.content,
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
            headers={"X-Yabot-Served-By": answer.headers.get("X-Yabot-Served-By", url)},
        )

    @app.middleware("http")
    async def served_by(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if _PLAYER_PATH.match(request.url.path) and "X-Yabot-Served-By" not in response.headers:
            response.headers["X-Yabot-Served-By"] = coordinator.member_id
        return response


def _caller(request: Request) -> Principal | None:
    """The verified caller of ``request``, or None (no bearer token, a refused one, or a
    forwarded token, which is never forwarded again)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        caller = token_service_of(request).verify(token.strip())
    except TokenError:
        return None
    return None if caller.via is not None else caller


def _unavailable(code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=503,
        headers={"Retry-After": "1"},
    )


__all__ = ["install_forwarding", "router"]
