"""schemathesis against create_api's own OpenAPI schema (in-process ASGI), with and without
a valid admin token: no 5xx and no response that breaks its documented schema.

schemathesis' pytest fixture loader does not work with pytest 9, so the schema's hypothesis
strategy (all operations, valid and invalid data) drives a plain ``@given`` test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from yabot.api.admin_store import SqliteAdminStore
from yabot.security.passwords import hash_password

from .support import LOG2_N, PASSWORD, bearer, build_app, make_settings


@pytest.fixture
def api_app(tmp_path: Path) -> FastAPI:
    store = SqliteAdminStore(tmp_path / "admin.sqlite3")
    store.create_admin("ada", hash_password(PASSWORD, log2_n=LOG2_N), "admin")
    return build_app(make_settings(), store)


def _fuzz(app: FastAPI, headers: dict[str, str], mode: GenerationMode) -> set[tuple[str, int]]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    seen: set[tuple[str, int]] = set()

    @given(case=schema.as_strategy(generation_mode=mode, headers=headers or None))
    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        response = case.call_and_validate()
        assert response.status_code < 500, response.text
        seen.add((case.operation.path, response.status_code))

    run()
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_without_token(api_app: FastAPI, mode: GenerationMode) -> None:
    seen = _fuzz(api_app, {}, mode)
    assert ("/api/v1/admin/audit", 200) not in seen
    assert len({path for path, _ in seen}) >= 3


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_with_admin_token(api_app: FastAPI, mode: GenerationMode) -> None:
    token = api_app.state.token_service.issue_access_token("ada", "admin").token
    seen = _fuzz(api_app, bearer(token), mode)
    assert len({path for path, _ in seen}) >= 3
    if mode is GenerationMode.POSITIVE:
        assert any(path == "/api/v1/admin/audit" and code == 200 for path, code in seen)
