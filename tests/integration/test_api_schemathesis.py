"""schemathesis against the RUNNING bot's full OpenAPI schema (``build_app`` with a live
Runtime, served by uvicorn), with and without an admin token: no 5xx, and every response
matches its documented schema.

Each operation gets its own small hypothesis run (positive and negative data), so every
endpoint is exercised and the whole test stays bounded. One player exists, and positive runs
with a token aim the ``user_id`` of player endpoints at it, so the actor paths run too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth

from tests.integration.harness import Emu, RunningBot
from tests.integration.test_admin_ops import ops_settings, started, token

EXAMPLES_PER_OPERATION = 10
PLAYER = 7001


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningBot, dict[str, str]]]:
    emu = Emu().start()
    data: Path = tmp_path_factory.mktemp("schemathesis") / "data"
    bot = RunningBot(ops_settings(data, emu, YABOT_API__LOGIN_ATTEMPTS_PER_IP="1000")).start()
    try:
        started(emu, PLAYER)
        admin = token(bot.api_url)
        # A balance no generated debit (|amount| <= 10^9) can exceed, so the positive run's
        # check that the actor path answered 200 does not hang on the sign hypothesis draws.
        funded = httpx.post(
            f"{bot.api_url}/api/v1/players/{PLAYER}/besitos",
            json={"amount": 1_000_000_000, "reason": "schemathesis float"},
            headers={**admin, "Idempotency-Key": "schemathesis-float"},
            timeout=30,
        )
        assert funded.status_code == 200, funded.text
        yield bot, admin
    finally:
        bot.stop()
        emu.stop()


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    path_parameters: dict[str, Any] | None,
    seen: list[tuple[str, int]],
) -> bool:
    # Positive data: the token goes in at call time, so schemathesis also probes every success
    # without a token and with a bad one. Negative data: the token is part of the strategy, so
    # what is made invalid is the request itself, never the (then redundant) auth.
    negative = mode is GenerationMode.NEGATIVE
    strategy = operation.as_strategy(
        generation_mode=mode,
        path_parameters=path_parameters,
        headers=(headers or None) if negative else None,
    )
    excluded = [ignored_auth] if negative else []

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(
            headers=None if negative else (headers or None), excluded_checks=excluded, timeout=30
        )
        assert response.status_code < 500, (case.operation.label, response.text)
        seen.append((case.operation.label, response.status_code))

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to get wrong, e.g. GET /healthz
        return False
    return True


def _has_input(operation: Any) -> bool:
    return bool(list(operation.path_parameters) or list(operation.query) or list(operation.body))


@pytest.mark.parametrize("authorized", [False, True], ids=["no_token", "admin_token"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_running_bot_api_conforms_to_its_schema(
    live: tuple[RunningBot, dict[str, str]], authorized: bool, mode: GenerationMode
) -> None:
    bot, admin = live
    schema = schemathesis.openapi.from_url(bot.api_url + "/api/v1/openapi.json")
    headers = admin if authorized else {}
    seen: list[tuple[str, int]] = []
    fuzzed: set[str] = set()
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert any("/broadcasts" in op.label for op in operations)
    for operation in operations:
        aimed = (
            {"user_id": PLAYER}
            if authorized
            and mode is GenerationMode.POSITIVE
            and any(p.name == "user_id" and p.location == "path" for p in operation.path_parameters)
            else None
        )
        if _fuzz_operation(operation, mode, headers, aimed, seen):
            fuzzed.add(operation.label)
    assert {label for label, _ in seen} == fuzzed
    if mode is GenerationMode.POSITIVE:
        assert len(fuzzed) == len(operations)
    else:  # only an operation with nothing to get wrong (no parameter, no body) is skipped
        skipped = [op for op in operations if op.label not in fuzzed]
        assert all(not _has_input(op) for op in skipped), [op.label for op in skipped]
    if authorized and mode is GenerationMode.POSITIVE:
        assert ("POST /api/v1/players/{user_id}/besitos", 200) in seen
        assert any(code == 200 for label, code in seen if label.startswith("GET /api/v1/events"))
    if not authorized:
        assert all(code != 200 for label, code in seen if "/api/v1/players" in label)
    assert httpx.get(bot.api_url + "/healthz").status_code == 200
