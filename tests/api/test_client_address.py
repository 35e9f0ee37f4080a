"""X-Forwarded-For is believed only from api.trusted_proxies, through the real uvicorn
configuration `yabot run` uses: the per-IP login limit and the audit log see the real client."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from yabot.api.admin_store import SqliteAdminStore
from yabot.app import api_server_config
from yabot.config import ConfigError, load_settings
from yabot.security.passwords import hash_password

from .support import LOG2_N, PASSWORD, build_app, make_settings

PER_IP = 3


@contextlib.contextmanager
def running_api(tmp_path: Path, **api: Any) -> Iterator[tuple[httpx.Client, SqliteAdminStore]]:
    store = SqliteAdminStore(tmp_path / "admin.sqlite3")
    store.create_admin("ada", hash_password(PASSWORD, log2_n=LOG2_N), "admin")
    settings = make_settings(login_attempts_per_ip=PER_IP, login_attempts_per_user=100, **api)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(api_server_config(settings, build_app(settings, store)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}") as http:
            yield http, store
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
        store.close()


def attempt(http: httpx.Client, forwarded: str | None, password: str = "wrong") -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    body = {"username": "ada", "password": password}
    return http.post("/api/v1/auth/token", json=body, headers=headers).status_code


def last_login(store: SqliteAdminStore) -> dict[str, Any]:
    [entry] = [e for e in store.list_audit(10) if e.action == "auth.login"][:1]
    return entry.details


def test_by_default_a_forged_x_forwarded_for_changes_nothing(tmp_path: Path) -> None:
    with running_api(tmp_path) as (http, store):
        assert attempt(http, "6.6.6.6", PASSWORD) == 200
        details = last_login(store)
        assert (details["client_ip"], details["peer_ip"]) == ("127.0.0.1", "127.0.0.1")
        # Every attempt claims another address; all count against the real peer.
        statuses = [attempt(http, f"198.51.100.{i}") for i in range(PER_IP + 2)]
    assert statuses[: PER_IP - 1] == [401] * (PER_IP - 1)
    assert statuses[PER_IP - 1 :] == [429] * 3


def test_a_configured_proxy_is_believed(tmp_path: Path) -> None:
    with running_api(tmp_path, trusted_proxies=["127.0.0.0/8"]) as (http, store):
        assert attempt(http, "6.6.6.6, 203.0.113.7", PASSWORD) == 200
        details = last_login(store)
        assert (details["client_ip"], details["peer_ip"]) == ("203.0.113.7", "127.0.0.1")
        # The limit is per forwarded client: one client is refused, another is not.
        assert [attempt(http, "203.0.113.8") for _ in range(PER_IP + 1)] == [401] * PER_IP + [429]
        assert attempt(http, "203.0.113.9") == 401
        # The caller's own leftmost entries do not pick the client: the proxy appends.
        assert attempt(http, "203.0.113.9, 203.0.113.8") == 429
        # A hop that is itself a trusted proxy is skipped; a malformed one ends the chain.
        assert attempt(http, "203.0.113.8, 127.0.0.2") == 429
        assert attempt(http, "203.0.113.8, not-an-ip") == 401


@pytest.mark.parametrize("bad", [["10.0.0.0/33"], ["proxy.example"], ["1.2.3"]])
def test_a_bad_trusted_proxy_is_a_config_error(tmp_path: Path, bad: list[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[api]\ntrusted_proxies = {json.dumps(bad)}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    assert str(caught.value).startswith("config error: api.trusted_proxies")
