"""``yabot run`` for benchmarks, with one benchmark-only route added under ``/_bench``.

- ``POST /_bench/activate`` ``{"first": 1, "count": 100000}``: activate the player actors of
  users ``first .. first+count-1`` (each loads its state, or a new one, and stays resident);
  answers once they are all resident. It only sends the actors ``Wake``, the message start-up
  recovery sends; it changes no player state and is not part of the product.
- ``GET /_bench/resident``: how many player actors are resident.

Everything else is the product's own ``yabot.app.run`` with settings from config.toml and
``YABOT_*`` variables. Run: ``python -m loadtests.yabot_process``.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

import yabot.app
from yabot.config import Settings, load_settings
from yabot.player.actor import Wake
from yabot.runtime import Runtime

product_build_app = yabot.app.build_app


class ActivateIn(BaseModel):
    """A range of user ids whose actors to activate."""

    first: int = Field(ge=1)
    count: int = Field(ge=1, le=1_000_000)


def bench_router(runtime: Runtime) -> APIRouter:
    """The ``/_bench`` routes described in the module docstring."""
    router = APIRouter(prefix="/_bench")

    @router.post("/activate")
    async def activate(body: ActivateIn) -> dict[str, float]:
        started = time.monotonic()
        directory = runtime.directory
        for n, user_id in enumerate(range(body.first, body.first + body.count)):
            directory.tell(user_id, Wake())
            if n % 2000 == 1999:
                await asyncio.sleep(0)
        deadline = time.monotonic() + 600
        while directory.resident_count() < body.count and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        return {"resident": directory.resident_count(), "seconds": time.monotonic() - started}

    @router.get("/resident")
    async def resident() -> dict[str, int]:
        return {"resident": runtime.directory.resident_count()}

    return router


def build_app(settings: Settings, runtime: Runtime) -> FastAPI:
    """The product's app plus the ``/_bench`` routes."""
    app = product_build_app(settings, runtime)
    app.include_router(bench_router(runtime))
    return app


def main() -> int:
    """Run YABOT like ``yabot run`` does."""
    yabot.app.build_app = build_app
    return yabot.app.run(load_settings())


if __name__ == "__main__":
    raise SystemExit(main())
