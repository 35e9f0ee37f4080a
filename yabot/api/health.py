"""Readiness checks of the bot's dependencies, each bounded by a timeout."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yabot.api.metrics import DEPENDENCY_UP
from yabot.observability.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class HealthCheck:
    """One dependency's probe.

    ``probe`` is a plain function (run in a worker thread) or a coroutine function. It is
    healthy when it returns anything but ``False`` and raises nothing within the timeout.
    """

    probe: Callable[[], Any]
    required: bool = True


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one probe."""

    name: str
    required: bool
    ok: bool
    detail: str
    latency_ms: float


async def _run_probe(probe: Callable[[], Any]) -> Any:
    if inspect.iscoroutinefunction(probe):
        return await probe()
    result = await asyncio.to_thread(probe)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _check(name: str, check: HealthCheck, timeout_s: float) -> CheckResult:
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(_run_probe(check.probe), timeout_s)
        ok, detail = (result is not False), ("ok" if result is not False else "not ready")
    except TimeoutError:
        ok, detail = False, f"no answer within {timeout_s:g}s"
    except Exception as exc:
        ok, detail = False, type(exc).__name__
        log.warning(
            "dependency_check_failed",
            dependency=name,
            error=type(exc).__name__,
            message=str(exc)[:200],
        )
    DEPENDENCY_UP.labels(dependency=name).set(1 if ok else 0)
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    return CheckResult(name, check.required, ok, detail, latency_ms)


async def run_checks(checks: Mapping[str, HealthCheck], timeout_s: float) -> list[CheckResult]:
    """Run every check concurrently; each gets at most ``timeout_s`` seconds."""
    return list(await asyncio.gather(*(_check(name, c, timeout_s) for name, c in checks.items())))


def sqlite_probe(path: str | Path) -> Callable[[], None]:
    """A probe that opens ``path`` read-only and runs ``SELECT 1``."""

    def probe() -> None:
        conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=1.0)
        try:
            conn.execute("SELECT 1").fetchone()
        finally:
            conn.close()

    return probe


def supervision_probe(gave_up: Callable[[], BaseException | None]) -> Callable[[], None]:
    """A probe that fails once ``gave_up()`` names why the root supervisor gave up: the
    player actors are no longer restarted, so the bot must not be considered ready."""

    def probe() -> None:
        error = gave_up()
        if error is not None:
            raise SupervisorGaveUp(f"the root supervisor gave up after {type(error).__name__}")

    return probe


class SupervisorGaveUp(RuntimeError):
    """The supervisor tree stopped restarting its children."""


def mongo_probe(client: Any) -> Callable[[], None]:
    """A probe that pings a pymongo ``MongoClient``."""

    def probe() -> None:
        client.admin.command("ping")

    return probe


def redis_probe(client: Any) -> Callable[[], Any]:
    """A probe that pings a redis-py client (sync or asyncio)."""

    def probe() -> Any:
        return client.ping()

    return probe
