"""Helpers of the API tests: settings, app building, login."""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient

from yabot.api.admin_store import SqliteAdminStore
from yabot.api.app import ApiDeps, create_api
from yabot.api.health import HealthCheck
from yabot.config import Settings

OLD_SECRET = "old-secret-0123456789-abcdefghijklmnop"
NEW_SECRET = "new-secret-0123456789-abcdefghijklmnop"
SERVICE_SECRET = "service-secret-0123456789-abcdefghijkl"
PASSWORD = "correct horse battery staple"
LOG2_N = 10


def make_settings(jwt_keys: dict[str, str] | None = None, **api: Any) -> Settings:
    """Settings with the given JWT keys (default: one key "k1") and cheap scrypt."""
    keys = jwt_keys if jwt_keys is not None else {"k1": OLD_SECRET}
    return Settings.model_validate(
        {
            "api": {"jwt_keys": json.dumps(keys), "service_token": SERVICE_SECRET, **api},
            "security": {"password_scrypt_log2_n": LOG2_N},
        }
    )


def empty_config(tmp_path: Path) -> Path:
    """An empty config.toml (every key at its default): a named file must exist."""
    path = tmp_path / "empty.toml"
    path.touch()
    return path


def build_app(
    settings: Settings, store: SqliteAdminStore, checks: dict[str, HealthCheck] | None = None
) -> FastAPI:
    return create_api(settings, ApiDeps(admin_store=store, health_checks=checks or {}))


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def capture_logs(
    monkeypatch: pytest.MonkeyPatch, *modules: ModuleType
) -> list[MutableMapping[str, Any]]:
    """Route the modules' ``log`` to a capture (robust to structlog's cached loggers)."""
    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(
        structlog.PrintLogger(),
        processors=[structlog.contextvars.merge_contextvars, capture],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
    )
    for module in modules:
        monkeypatch.setattr(module, "log", logger)
    return capture.entries
