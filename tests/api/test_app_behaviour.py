"""Error model, request ids, body limit, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from yabot.api import middleware
from yabot.api.admin_store import SqliteAdminStore
from yabot.api.health import HealthCheck, sqlite_probe

from .support import bearer, build_app, capture_logs, login, make_settings


def _boom_app(store: SqliteAdminStore) -> FastAPI:
    app = build_app(make_settings(), store)

    @app.get("/api/v1/test/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("secret internals: password=hunter2")

    return app


def test_unexpected_error_is_500_with_request_id_and_no_internals(
    store: SqliteAdminStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = capture_logs(monkeypatch, middleware)
    with TestClient(_boom_app(store), raise_server_exceptions=False) as client:
        response = client.get("/api/v1/test/boom", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "internal error", "request_id": "req-42"}
    }
    assert response.headers["X-Request-ID"] == "req-42"
    assert "hunter2" not in response.text and "Traceback" not in response.text
    errors = [e for e in logs if e["event"] == "api_unhandled_error"]
    assert errors and errors[0]["request_id"] == "req-42"
    access = [e for e in logs if e["event"] == "api_request"]
    assert access[-1]["status"] == 500 and access[-1]["request_id"] == "req-42"


def test_request_id_is_generated_or_sanitised(client: TestClient) -> None:
    generated = client.get("/healthz")
    assert len(generated.headers["X-Request-ID"]) == 32
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["X-Request-ID"] != "bad id\nwith newline"
    assert unsafe.headers["X-Request-ID"].isalnum()


def test_unknown_route_and_method_use_the_error_model(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_invalid_json_is_422_in_the_error_model(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_oversized_body_is_413_and_counted(store: SqliteAdminStore) -> None:
    app = build_app(make_settings(max_body_bytes=2048), store)

    def count() -> float:
        return REGISTRY.get_sample_value("yabot_api_body_too_large_total") or 0.0

    before = count()
    with TestClient(app) as client:
        declared = client.post(
            "/api/v1/auth/token", content=b"x" * 4096, headers={"Content-Type": "application/json"}
        )

        def chunks() -> Iterator[bytes]:
            for _ in range(4):
                yield b"x" * 1024

        streamed = client.post(
            "/api/v1/auth/token", content=chunks(), headers={"Content-Type": "application/json"}
        )
        small = client.post("/api/v1/auth/token", json={"username": "a", "password": "b"})
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert declared.json()["error"]["code"] == "payload_too_large"
    assert small.status_code == 401
    assert count() == before + 2


def test_healthz_is_alive(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_lists_each_dependency_and_fails_on_a_required_one(
    store: SqliteAdminStore, tmp_path: Path
) -> None:
    (tmp_path / "records.sqlite3").touch()

    async def slow() -> None:
        await asyncio.sleep(5)

    def broken() -> None:
        raise ConnectionError("redis down at 10.0.0.1")

    checks = {
        "sqlite": HealthCheck(sqlite_probe(tmp_path / "records.sqlite3")),
        "redis": HealthCheck(broken, required=False),
        "scheduler": HealthCheck(lambda: True),
    }
    with TestClient(build_app(make_settings(), store, checks)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200
    states = {c["name"]: c for c in ready.json()["checks"]}
    assert ready.json()["status"] == "ready"
    assert states["sqlite"]["ok"] and states["scheduler"]["ok"]
    assert states["redis"] == {
        **states["redis"],
        "ok": False,
        "required": False,
        "detail": "ConnectionError",
    }
    assert REGISTRY.get_sample_value("yabot_dependency_up", {"dependency": "redis"}) == 0

    failing = {
        **checks,
        "mongodb": HealthCheck(slow),
        "telegram_sender": HealthCheck(lambda: False),
        "sqlite": HealthCheck(sqlite_probe(tmp_path / "missing" / "x.sqlite3")),
    }
    app = build_app(make_settings(readiness_timeout_s=0.2), store, failing)
    started = time.monotonic()
    with TestClient(app) as client:
        not_ready = client.get("/readyz")
    assert time.monotonic() - started < 3
    assert not_ready.status_code == 503
    body = not_ready.json()
    assert body["status"] == "not_ready"
    states = {c["name"]: c for c in body["checks"]}
    assert states["mongodb"]["detail"] == "no answer within 0.2s"
    assert states["telegram_sender"]["detail"] == "not ready"
    assert not states["sqlite"]["ok"]
    assert "10.0.0.1" not in not_ready.text


def test_metrics_expose_api_requests_in_prometheus_text(client: TestClient) -> None:
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'yabot_api_requests_total{method="GET",route="/healthz",status="200"}' in response.text
    assert "yabot_api_request_seconds_bucket" in response.text


def test_openapi_documents_the_error_model_and_bearer_auth(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "bearer" in schema["components"]["securitySchemes"]
    audit = schema["paths"]["/api/v1/admin/audit"]["get"]
    assert audit["security"] == [{"bearer": []}]
    for status in ("401", "403", "422", "500"):
        ref = audit["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorResponse")
    assert client.get("/api/v1/docs").status_code == 200


def test_routes_outside_the_api_keep_their_own_body_limit(store: SqliteAdminStore) -> None:
    app = build_app(make_settings(max_body_bytes=2048), store)

    @app.post("/telegram/webhook")
    async def webhook(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    with TestClient(app) as client:
        response = client.post("/telegram/webhook", content=b"x" * 100_000)
    assert response.status_code == 200
    assert response.json() == {"size": 100_000}
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("query", "loc"),
    [("limit=5&limit=6", ["query", "limit"]), ("before=10.0", ["query", "before"])],
)
def test_repeated_or_non_integer_query_parameters_are_422(
    client: TestClient, add_account: Any, query: str, loc: list[str]
) -> None:
    add_account("root", "admin")
    admin_headers = bearer(login(client, "root"))
    ok = client.get("/api/v1/admin/audit?limit=5&before=10", headers=admin_headers)
    assert ok.status_code == 200
    response = client.get(f"/api/v1/admin/audit?{query}", headers=admin_headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["loc"] for d in error["details"]] == [loc]
