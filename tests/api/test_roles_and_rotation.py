"""Role checks (viewer < operator < admin, service tokens apart) and JWT key rotation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from yabot.api.admin_store import AdminRole, SqliteAdminStore
from yabot.api.auth import Principal, require_role

from .support import NEW_SECRET, OLD_SECRET, bearer, build_app, login, make_settings

AUDIT = "/api/v1/admin/audit"
ACCOUNTS = "/api/v1/admin/accounts"
OPERATE = "/api/v1/test/operate"


def _with_operator_endpoint(app: FastAPI) -> FastAPI:
    @app.post(OPERATE)
    async def operate(who: Principal = Depends(require_role("operator"))) -> dict[str, str]:  # noqa: B008
        return {"by": who.subject}

    return app


@pytest.fixture
def roles_client(
    store: SqliteAdminStore, add_account: Callable[[str, AdminRole], None]
) -> Iterator[TestClient]:
    roles: list[tuple[str, AdminRole]] = [
        ("vera", "viewer"),
        ("otto", "operator"),
        ("ada", "admin"),
    ]
    for name, role in roles:
        add_account(name, role)
    app = _with_operator_endpoint(build_app(make_settings(), store))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


NEW_ACCOUNT = {"username": "newbie", "password": "a-long-enough-password", "role": "viewer"}


@pytest.mark.parametrize(
    ("user", "whoami", "operate", "audit", "accounts"),
    [
        ("vera", 200, 403, 403, 403),
        ("otto", 200, 200, 403, 403),
        ("ada", 200, 200, 200, 201),
    ],
)
def test_each_role_reaches_only_its_endpoints(
    roles_client: TestClient, user: str, whoami: int, operate: int, audit: int, accounts: int
) -> None:
    auth = bearer(login(roles_client, user))
    assert roles_client.get("/api/v1/auth/whoami", headers=auth).status_code == whoami
    assert roles_client.post(OPERATE, headers=auth).status_code == operate
    assert roles_client.get(AUDIT, headers=auth).status_code == audit
    created = roles_client.post(ACCOUNTS, headers=auth, json=NEW_ACCOUNT)
    assert created.status_code == accounts
    if accounts == 403:
        assert created.json()["error"]["code"] == "forbidden"
        assert (
            roles_client.post(
                "/api/v1/auth/token",
                json={"username": "newbie", "password": NEW_ACCOUNT["password"]},
            ).status_code
            == 401
        )


def test_service_token_reaches_whoami_only(roles_client: TestClient) -> None:
    app = roles_client.app
    assert isinstance(app, FastAPI)
    token = app.state.token_service.mint_service_token("scheduler").token
    assert jwt.get_unverified_header(token)["kid"] == "service"
    me = roles_client.get("/api/v1/auth/whoami", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["role"] == "service"
    assert me.json()["subject"] == "scheduler"
    assert roles_client.post(OPERATE, headers=bearer(token)).status_code == 403
    assert roles_client.get(AUDIT, headers=bearer(token)).status_code == 403


def test_service_token_from_another_secret_is_refused(
    store: SqliteAdminStore, roles_client: TestClient
) -> None:
    other = build_app(make_settings(service_token="x" * 40), store)
    forged = other.state.token_service.mint_service_token("scheduler").token
    response = roles_client.get("/api/v1/auth/whoami", headers=bearer(forged))
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "token signature invalid"


def _client(store: SqliteAdminStore, keys: dict[str, str]) -> TestClient:
    return TestClient(build_app(make_settings(keys), store), raise_server_exceptions=False)


def test_key_rotation_logs_nobody_out_early(
    store: SqliteAdminStore, add_account: Callable[[str, AdminRole], None]
) -> None:
    add_account("ada", "admin")
    with _client(store, {"old": OLD_SECRET}) as before:
        old_token = login(before, "ada")
    assert jwt.get_unverified_header(old_token)["kid"] == "old"

    # Step 1: the new key is added as a verifier; "old" still signs.
    with _client(store, {"old": OLD_SECRET, "new": NEW_SECRET}) as step1:
        assert jwt.get_unverified_header(login(step1, "ada"))["kid"] == "old"
        assert step1.get("/api/v1/auth/whoami", headers=bearer(old_token)).status_code == 200

    # Step 2: "new" signs; tokens signed by "old" still work until they expire.
    with _client(store, {"new": NEW_SECRET, "old": OLD_SECRET}) as step2:
        new_token = login(step2, "ada")
        assert jwt.get_unverified_header(new_token)["kid"] == "new"
        assert step2.get("/api/v1/auth/whoami", headers=bearer(old_token)).status_code == 200
        assert step2.get("/api/v1/auth/whoami", headers=bearer(new_token)).status_code == 200

    # Step 3 (after access_token_ttl_s): "old" is retired; its tokens are refused.
    with _client(store, {"new": NEW_SECRET}) as step3:
        refused = step3.get("/api/v1/auth/whoami", headers=bearer(old_token))
        assert refused.status_code == 401
        assert refused.json()["error"]["message"] == "token key id unknown"
        assert step3.get("/api/v1/auth/whoami", headers=bearer(new_token)).status_code == 200
