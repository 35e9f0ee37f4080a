"""The tail of recent events, read from the records database's outbox (newest first)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from yabot.api.auth import Principal, require_role
from yabot.api.errors import AUTH_RESPONSES, ERROR_RESPONSES
from yabot.api.routes.players import runtime_of
from yabot.api.types import IntegerText
from yabot.runtime import Runtime
from yabot.storage.migrations import records_path

SCAN_WINDOW = 10_000


class EventOut(BaseModel):
    """One event as it was written to the outbox."""

    seq: int
    event_id: str
    type: str
    user_id: int | None
    occurred_at: datetime
    correlation_id: str | None
    payload: dict[str, Any]


class EventPage(BaseModel):
    """Recent events, newest first."""

    items: list[EventOut]


def recent_events(
    records_file: Path, limit: int, event_type: str | None, user_id: int | None
) -> list[EventOut]:
    """Return up to ``limit`` of the newest events (blocking; read-only access).

    Filters look at the newest ``SCAN_WINDOW`` events only, so a call stays cheap.
    """
    conn = sqlite3.connect(records_file.resolve().as_uri() + "?mode=ro", uri=True, timeout=5.0)
    try:
        top = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0]
        where, params = ["seq > ?"], [top - SCAN_WINDOW]
        if event_type is not None:
            where.append("type = ?")
            params.append(event_type)
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        rows = conn.execute(
            f"SELECT seq, body FROM outbox WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
    finally:
        conn.close()
    items = []
    for seq, body in rows:
        event = json.loads(body)
        items.append(
            EventOut(
                seq=seq,
                event_id=event["event_id"],
                type=event["type"],
                user_id=event.get("user_id"),
                occurred_at=event["occurred_at"],
                correlation_id=event.get("correlation_id"),
                payload=event.get("payload") or {},
            )
        )
    return items


router = APIRouter(tags=["events"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES})


@router.get("/api/v1/events/recent", response_model=EventPage)
async def events_recent(
    limit: Annotated[int, Query(ge=1, le=500), IntegerText] = 50,
    type: str | None = Query(None, min_length=1, max_length=100, description="Event type."),
    user_id: Annotated[int | None, Query(ge=1, le=2**52), IntegerText] = None,
    runtime: Runtime = Depends(runtime_of),  # noqa: B008
    _: Principal = Depends(require_role("viewer")),  # noqa: B008
) -> EventPage:
    """The newest events (type, user, time, correlation id, payload), newest first."""
    items = await run_in_threadpool(
        recent_events, records_path(runtime.settings), limit, type, user_id
    )
    return EventPage(items=items)


__all__ = ["EventOut", "EventPage", "recent_events", "router"]
