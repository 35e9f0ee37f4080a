"""The API served by a real uvicorn on a free port: HTTP behaviour and a short
schemathesis run against the running server's schema."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings

from yabot.api.admin_store import SqliteAdminStore
from yabot.security.passwords import hash_password

from .support import LOG2_N, PASSWORD, build_app, make_settings


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    store = SqliteAdminStore(tmp_path / "admin.sqlite3")
    store.create_admin("ada", hash_password(PASSWORD, log2_n=LOG2_N), "admin")
    app = build_app(make_settings(), store)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
        store.close()


def test_login_and_whoami_over_real_http(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as http:
        token = http.post(
            "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}
        ).json()["access_token"]
        me = http.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["subject"] == "ada"
        assert me.headers["X-Request-ID"]
        big = http.post(
            "/api/v1/auth/token",
            content=b"{" + b" " * 70_000 + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert big.status_code == 413
        assert http.get("/healthz").json() == {"status": "ok"}


def test_schemathesis_against_the_running_server(server_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{server_url}/api/v1/openapi.json")

    @given(case=schema.as_strategy())
    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(base_url=server_url)
        assert response.status_code < 500

    run()
