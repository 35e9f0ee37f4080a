"""Credentials -> tokens, rate limiting, bootstrap, account creation and the audit log."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from yabot.api.admin_store import AdminRole, SqliteAdminStore
from yabot.api.app import bootstrap_admin
from yabot.config import ConfigError, load_settings

from .support import PASSWORD, bearer, build_app, empty_config, login, make_settings

TOKEN = "/api/v1/auth/token"


def test_good_credentials_give_a_token_that_works(
    client: TestClient, add_account: Callable[[str, AdminRole], None]
) -> None:
    add_account("otto", "operator")
    response = client.post(TOKEN, json={"username": "otto", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "operator"
    assert body["expires_in"] == 900
    me = client.get("/api/v1/auth/whoami", headers=bearer(body["access_token"])).json()
    assert (me["subject"], me["role"]) == ("otto", "operator")


def test_bad_password_and_unknown_user_look_the_same(
    client: TestClient, add_account: Callable[[str, AdminRole], None]
) -> None:
    add_account("otto", "operator")
    wrong_password = client.post(TOKEN, json={"username": "otto", "password": "nope"})
    unknown_user = client.post(TOKEN, json={"username": "nobody", "password": PASSWORD})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json()["error"]["message"] == unknown_user.json()["error"]["message"]
    assert wrong_password.json()["error"]["code"] == "invalid_credentials"


def test_login_attempts_are_rate_limited_per_username_and_counted(
    store: SqliteAdminStore, add_account: Callable[[str, AdminRole], None]
) -> None:
    add_account("ada", "admin")
    app = build_app(make_settings(login_attempts_per_user=3, login_attempts_per_ip=100), store)

    def limited() -> float:
        return (
            REGISTRY.get_sample_value("yabot_api_login_rate_limited_total", {"scope": "username"})
            or 0.0
        )

    before = limited()
    with TestClient(app) as client:
        for _ in range(3):
            assert client.post(TOKEN, json={"username": "ada", "password": "x"}).status_code == 401
        blocked = client.post(TOKEN, json={"username": "ada", "password": PASSWORD})
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "rate_limited"
        assert int(blocked.headers["Retry-After"]) >= 1
        assert limited() == before + 1
        # Another username is not blocked by ada's failures.
        assert client.post(TOKEN, json={"username": "bob", "password": "x"}).status_code == 401


def test_per_ip_limit_applies_across_usernames(store: SqliteAdminStore) -> None:
    app = build_app(make_settings(login_attempts_per_ip=4), store)
    with TestClient(app) as client:
        codes = [
            client.post(TOKEN, json={"username": f"u{i}", "password": "x"}).status_code
            for i in range(6)
        ]
    assert codes == [401, 401, 401, 401, 429, 429]


def test_a_successful_login_clears_the_username_counter(
    store: SqliteAdminStore, add_account: Callable[[str, AdminRole], None]
) -> None:
    add_account("ada", "admin")
    app = build_app(make_settings(login_attempts_per_user=3), store)
    with TestClient(app) as client:
        for _ in range(2):
            client.post(TOKEN, json={"username": "ada", "password": "x"})
        login(client, "ada")
        for _ in range(2):
            assert client.post(TOKEN, json={"username": "ada", "password": "x"}).status_code == 401


def test_bootstrap_admin_is_created_once_at_start(store: SqliteAdminStore) -> None:
    settings = make_settings(
        bootstrap_admin_user="root", bootstrap_admin_password="first-password-1"
    )
    with TestClient(build_app(settings, store)) as client:
        token = login(client, "root", "first-password-1")
        me = client.get("/api/v1/auth/whoami", headers=bearer(token)).json()
        assert me["role"] == "admin"
    changed = make_settings(
        bootstrap_admin_user="root", bootstrap_admin_password="other-password-2"
    )
    with TestClient(build_app(changed, store)) as client:
        login(client, "root", "first-password-1")
        assert (
            client.post(
                TOKEN, json={"username": "root", "password": "other-password-2"}
            ).status_code
            == 401
        )
    actions = [e.action for e in store.list_audit(50)]
    assert actions.count("accounts.bootstrap") == 1


async def test_bootstrap_does_nothing_without_a_password(store: SqliteAdminStore) -> None:
    app = build_app(make_settings(), store)
    assert await bootstrap_admin(app) is False
    assert store.get_admin("admin") is None


def test_a_short_bootstrap_password_is_a_clear_start_error(store: SqliteAdminStore) -> None:
    settings = make_settings(bootstrap_admin_password="pw7Zq")
    try:
        build_app(settings, store)
    except ConfigError as exc:
        assert "bootstrap_admin_password" in str(exc)
        assert "pw7Zq" not in str(exc)
    else:
        raise AssertionError("expected ConfigError")


def test_admin_creates_an_account_that_can_log_in_and_it_is_audited(
    client: TestClient, add_account: Callable[[str, AdminRole], None], tmp_path: Path
) -> None:
    add_account("ada", "admin")
    auth = bearer(login(client, "ada"))
    new = {"username": "viv", "password": "viv-password-123", "role": "viewer"}
    created = client.post("/api/v1/admin/accounts", headers=auth, json=new)
    assert created.status_code == 201
    assert created.json()["username"] == "viv"
    assert "password" not in created.text
    again = client.post("/api/v1/admin/accounts", headers=auth, json=new)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    viv = bearer(login(client, "viv", "viv-password-123"))
    assert client.get("/api/v1/auth/whoami", headers=viv).json()["role"] == "viewer"

    page = client.get("/api/v1/admin/audit", headers=auth).json()
    entry = next(e for e in page["items"] if e["action"] == "accounts.create")
    assert (entry["who"], entry["target"]) == ("ada", "viv")
    assert entry["details"] == {"role": "admin", "new_role": "viewer"}
    assert "viv-password-123" not in str(page)

    raw = (tmp_path / "admin.sqlite3").read_bytes()
    wal = tmp_path / "admin.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert b"viv-password-123" not in raw
    stored = (
        sqlite3.connect(tmp_path / "admin.sqlite3")
        .execute("SELECT password_hash FROM api_admins WHERE username = 'viv'")
        .fetchone()[0]
    )
    assert stored.startswith("scrypt$")


def test_weak_password_or_bad_role_is_422_with_details(
    client: TestClient, add_account: Callable[[str, AdminRole], None]
) -> None:
    add_account("ada", "admin")
    auth = bearer(login(client, "ada"))
    weak = client.post(
        "/api/v1/admin/accounts",
        headers=auth,
        json={"username": "viv", "password": "pw7Zq", "role": "viewer"},
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["details"][0]["loc"] == ["body", "password"]
    assert "pw7Zq" not in weak.text
    bad_role = client.post(
        "/api/v1/admin/accounts",
        headers=auth,
        json={"username": "viv", "password": "long-enough-pw", "role": "god"},
    )
    assert bad_role.status_code == 422
    assert bad_role.json()["error"]["code"] == "validation_error"


def test_audit_log_pages_newest_first(
    client: TestClient, store: SqliteAdminStore, add_account: Callable[[str, AdminRole], None]
) -> None:
    add_account("ada", "admin")
    for i in range(5):
        store.record_audit("ops", "thing.do", f"t{i}", {"n": i})
    auth = bearer(login(client, "ada"))  # the login itself is audited too
    first = client.get("/api/v1/admin/audit?limit=4", headers=auth).json()
    assert [e["target"] for e in first["items"]] == ["ada", "t4", "t3", "t2"]
    second = client.get(
        f"/api/v1/admin/audit?limit=4&before={first['next_before']}", headers=auth
    ).json()
    assert [e["target"] for e in second["items"]] == ["t1", "t0"]
    assert second["next_before"] is None


def test_secret_settings_are_not_echoed(tmp_path: Path) -> None:
    try:
        load_settings(
            empty_config(tmp_path), environ={"YABOT_API__JWT_KEYS": '{"k1": "too-short-secret"}'}
        )
    except ConfigError as exc:
        assert "too-short-secret" not in str(exc)
        assert "32 bytes" in str(exc)
    else:
        raise AssertionError("expected ConfigError")
