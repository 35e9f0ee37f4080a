"""``yabot run`` for benchmarks, with one benchmark-only route added under ``/_bench``.

- ``POST /_bench/activate`` ``{"first": 1, "count": 100000}``: activate the player actors of
  users ``first .. first+count-1`` (each loads its state, or a new one, and stays resident).
  It only sends the actors ``Wake``, the message start-up recovery sends, and answers once
  every one of them has loaded its state and replied. It changes no player state and is not
  part of the product.
- ``GET /_bench/resident``: how many player actors are resident.

Everything else is the product's own ``yabot.app.run`` with settings from config.toml and
``YABOT_*`` variables. Run: ``python -m loadtests.yabot_process``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

import yabot.app
from yabot.config import Settings, load_settings
from yabot.player.actor import Wake
from yabot.runtime import Runtime
from yabot.telegram.webhook_process import WebhookProcess

product_build_app = yabot.app.build_app
ACTIVATE_BATCH = 5000


class ActivateIn(BaseModel):
    """A range of user ids whose actors to activate."""

    first: int = Field(ge=1)
    count: int = Field(ge=1, le=1_000_000)


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
