"""JWT key settings: environment parsing, clear start errors, ephemeral keys for local play."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from yabot.api import auth
from yabot.api.admin_store import SqliteAdminStore
from yabot.api.auth import build_token_service
from yabot.config import ConfigError, Settings, load_settings

from .support import (
    NEW_SECRET,
    OLD_SECRET,
    SERVICE_SECRET,
    bearer,
    build_app,
    capture_logs,
    empty_config,
)


def test_keys_from_the_environment_first_signs_all_verify(tmp_path: Path) -> None:
    env = {
        "YABOT_API__JWT_KEYS": json.dumps({"k2": NEW_SECRET, "k1": OLD_SECRET}),
        "YABOT_API__SERVICE_TOKEN": SERVICE_SECRET,
    }
    service = build_token_service(load_settings(empty_config(tmp_path), environ=env))
    assert service.signing_kid == "k2"
    assert service.verification_kids == ["k2", "k1"]
    old = jwt.encode(
        {
            "iss": "yabot",
            "aud": "yabot-admin",
            "sub": "a",
            "role": "viewer",
            "iat": 0,
            "nbf": 0,
            "exp": 2**40,
            "jti": "x",
        },
        OLD_SECRET,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    assert service.verify(old).role == "viewer"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("not json", "not valid JSON"),
        ("{}", "must be a JSON object"),
        (json.dumps(["k1", OLD_SECRET]), "must be a JSON object"),
        (json.dumps({"service": OLD_SECRET}), "kid 'service'"),
        (json.dumps({"bad kid!": OLD_SECRET}), "kid 'bad kid!'"),
        (json.dumps({"k1": "short-secret-abc"}), "at least 32 bytes"),
        (json.dumps({"k1": 12345}), "at least 32 bytes"),
    ],
)
def test_invalid_jwt_keys_are_a_clear_start_error(raw: str, expected: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(empty_config(tmp_path), environ={"YABOT_API__JWT_KEYS": raw})
    assert "YABOT_API__JWT_KEYS" in str(caught.value)
    assert expected in str(caught.value)
    assert "short-secret-abc" not in str(caught.value)
    with pytest.raises(ConfigError) as direct:  # the token service checks them too
        auth.parse_jwt_keys(raw)
    assert expected in str(direct.value)


@pytest.mark.parametrize("missing", ["jwt_keys", "service_token"])
def test_production_refuses_to_start_without_keys(missing: str) -> None:
    api = {"jwt_keys": json.dumps({"k1": OLD_SECRET}), "service_token": SERVICE_SECRET}
    del api[missing]
    settings = Settings.model_validate({"api": api, "security": {"production": True}})
    with pytest.raises(ConfigError, match=missing):
        build_token_service(settings)


def test_short_service_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(empty_config(tmp_path), environ={"YABOT_API__SERVICE_TOKEN": "tiny-tok"})
    assert "YABOT_API__SERVICE_TOKEN" in str(caught.value) and "32 bytes" in str(caught.value)
    assert "tiny-tok" not in str(caught.value)


def test_local_play_signs_with_an_ephemeral_key_and_warns(
    store: SqliteAdminStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = capture_logs(monkeypatch, auth)
    settings = Settings.model_validate({"security": {"password_scrypt_log2_n": 10}})
    app = build_app(settings, store)
    other = build_app(settings, store)
    events = {e["event"]: e for e in logs}
    assert events["INSECURE_EPHEMERAL_JWT_KEY"]["log_level"] == "warning"
    assert "INSECURE_EPHEMERAL_SERVICE_KEY" in events

    token = app.state.token_service.issue_access_token("ada", "admin").token
    assert jwt.get_unverified_header(token)["kid"].startswith("ephemeral-")
    with TestClient(app) as client:
        assert client.get("/api/v1/auth/whoami", headers=bearer(token)).status_code == 200
    with TestClient(other) as client:  # another process' key: the token is worthless there
        assert client.get("/api/v1/auth/whoami", headers=bearer(token)).status_code == 401
