"""``yabot run`` for benchmarks, with one benchmark-only route added under ``/_bench``.

- ``POST /_bench/activate`` ``{"first": 1, "count": 100000}``: activate the player actors of
  users ``first .. first+count-1`` (each loads its state, or a new one, and stays resident).
  It only sends the actors ``Wake``, the message start-up recovery sends, and answers once
  every one of them has loaded its state and replied. It changes no player state and is not
  part of the product.
- ``GET /_bench/resident``: how many player actors are resident.
- ``POST /_bench/seed_story`` ``{"sources": [...], "first", "count"}``: passivate the source
  players (their states are saved), then store for each user ``first .. first+count-1`` a
  first snapshot holding the saved state of one source player (round robin), under that
  user's id. The users are then mid-story exactly like the sources when activated through the
  product's load path. Writes snapshots of users that have none; changes no other state.

Everything else is the product's own ``yabot.app.run`` with settings from config.toml and
``YABOT_*`` variables. Run: ``python -m loadtests.yabot_process``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel, Field

import yabot.app
from yabot.config import Settings, load_settings
from yabot.player.actor import Wake
from yabot.player.state import PlayerState
from yabot.runtime import Runtime, snapshot_key
from yabot.shards import shard_of
from yabot.storage.snapshots import Snapshot
from yabot.telegram.webhook_process import WebhookProcess

product_build_app = yabot.app.build_app
ACTIVATE_BATCH = 5000


class ActivateIn(BaseModel):
    """A range of user ids whose actors to activate."""

    first: int = Field(ge=1)
    count: int = Field(ge=1, le=1_000_000)


class SeedIn(BaseModel):
    """Players whose saved states to copy, and the range of users that get them."""

    sources: list[int] = Field(min_length=1)
    first: int = Field(ge=1)
    count: int = Field(ge=1, le=1_000_000)


def _seed(runtime: Runtime, body: SeedIn) -> dict[str, Any]:
    directory = runtime.directory
    for user_id in body.sources:
        directory.passivate(user_id)
    deadline = time.monotonic() + 300
    while any(directory.is_resident(u) for u in body.sources):
        if time.monotonic() > deadline:
            raise HTTPException(504, "the source players were not passivated in time")
        time.sleep(0.05)
    states = []
    for user_id in body.sources:
        stored = runtime.store.load(snapshot_key(user_id))
        if stored is None:
            raise HTTPException(409, f"player {user_id} has no snapshot")
        states.append(runtime.encryptor.decrypt_bytes(stored.state))
    saved = 0
    targets = range(body.first, body.first + body.count)
    for start in range(0, len(targets), 1000):
        batch = []
        for user_id in targets[start : start + 1000]:
            state = PlayerState.from_bytes(states[user_id % len(states)])
            state.user_id, state.snapshot_version = user_id, 0
            raw = runtime.encryptor.encrypt_bytes(state.to_bytes())
            snapshot = Snapshot(
                key=snapshot_key(user_id),
                version=1,
                seq=state.inbox_seq,
                state=raw,
                updated_at=time.time(),
                shard=shard_of(user_id, runtime.settings.runtime.shards),
            )
            batch.append(snapshot)
        saved += sum(o.saved for o in runtime.store.save_many(batch))
    turns = sorted(PlayerState.from_bytes(s).story.turn for s in states)
    return {
        "seeded": saved,
        "source_turns_min": turns[0],
        "source_turns_median": turns[len(turns) // 2],
    }


def _wait_all(replies: list[Any]) -> None:
    for reply in replies:
        reply.get(timeout=600)


def bench_router(runtime: Runtime) -> APIRouter:
    """The ``/_bench`` routes described in the module docstring."""
    router = APIRouter(prefix="/_bench")

    @router.post("/activate")
    async def activate(body: ActivateIn) -> dict[str, float]:
        started = time.monotonic()
        directory = runtime.directory
        ids = range(body.first, body.first + body.count)
        for start in range(0, len(ids), ACTIVATE_BATCH):
            replies = [
                directory.ask(user_id, Wake()) for user_id in ids[start : start + ACTIVATE_BATCH]
            ]
            # Every actor of the batch has loaded its state and answered.
            await asyncio.to_thread(_wait_all, replies)
        return {"resident": directory.resident_count(), "seconds": time.monotonic() - started}

    @router.get("/resident")
    async def resident() -> dict[str, int]:
        return {"resident": runtime.directory.resident_count()}

    @router.post("/seed_story")
    async def seed_story(body: SeedIn) -> dict[str, Any]:
        started = time.monotonic()
        result = await asyncio.to_thread(_seed, runtime, body)
        return {**result, "seconds": time.monotonic() - started}

    return router


def build_app(
    settings: Settings, runtime: Runtime, webhook_process: WebhookProcess | None = None
) -> FastAPI:
    """The product's app plus the ``/_bench`` routes."""
    app = product_build_app(settings, runtime, webhook_process)
    app.include_router(bench_router(runtime))
    return app


def main() -> int:
    """Run YABOT like ``yabot run`` does."""
    yabot.app.build_app = build_app
    return yabot.app.run(load_settings())


if __name__ == "__main__":
    yabot.app.exit_process(main())
