"""Cluster mode: a player's admin request reaches the shard's owner with the service token.

Two members whose admin tokens are signed with different keys (so the owner could not verify
the caller's own token): a request to the member that does not own the player's shard is
forwarded with a short-lived service token naming the caller. The owner serves it, checks the
caller's role and records the caller (not the service) in the audit log. The owner accepts
such a token only on a forwarded request for the method and path it names. A cluster member
without ``api.service_token`` refuses to start with one line.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.cluster_harness import ROOT, SERVICE_TOKEN, Member
from tests.integration.harness import Emu
from yabot.api.auth import FORWARDED_HEADER, build_token_service
from yabot.config import load_settings
from yabot.shards import shard_of

OTHER_JWT_KEYS = '{"k2": "another-cluster-jwt-signing-secret-0123456789"}'


@pytest.fixture
def emu() -> Iterator[Emu]:
    e = Emu().start()
    yield e
    e.stop()


def _owners(member: Member, headers: dict[str, str], timeout: float = 60.0) -> dict[int, str]:
    """Each shard's owner url, once both members own some."""
    deadline = time.monotonic() + timeout
    while True:
        view = httpx.get(f"{member.url}/api/v1/cluster", headers=headers, timeout=10).json()
        urls = {m["member_id"]: m["url"] for m in view["members"] if m["alive"]}
        owners = {s["shard"]: urls.get(s["owner"] or "", "") for s in view["shards"]}
        if all(owners.values()) and len(set(owners.values())) == 2:
            return owners
        assert time.monotonic() < deadline, view
        time.sleep(0.3)


def _user_on(owner_url: str, owners: dict[int, str]) -> int:
    return next(u for u in range(7001, 9000) if owners[shard_of(u, len(owners))] == owner_url)


def test_forwarded_requests_carry_the_service_token_and_audit_the_caller(
    emu: Emu, pg_dsn: str, tmp_path: Path
) -> None:
    a = Member("a", pg_dsn, emu.url, tmp_path).start()
    b = Member("b", pg_dsn, emu.url, tmp_path, YABOT_API__JWT_KEYS=OTHER_JWT_KEYS).start()
    try:
        on_a = a.admin()  # signed with a's key, which b does not know
        owners = _owners(a, on_a)
        user = _user_on(b.url, owners)
        emu.player(user, "Ana", "en").say("/start", timeout=30)

        direct = httpx.get(f"{b.url}/api/v1/players/{user}", headers=on_a, timeout=30)
        assert direct.status_code == 401, "b cannot verify a's token itself"

        served = httpx.post(f"{a.url}/api/v1/actors/{user}/passivate", headers=on_a, timeout=30)
        assert served.status_code == 200, served.text
        assert served.headers["X-Yabot-Served-By"] != _member_id(a, on_a)
        got = httpx.get(f"{a.url}/api/v1/players/{user}", headers=on_a, timeout=30)
        assert got.status_code == 200, got.text

        audit = httpx.get(f"{a.url}/api/v1/admin/audit", headers=on_a, timeout=10).json()
        entry = next(e for e in audit["items"] if e["action"] == "actor.passivate")
        assert entry["who"] == "admin", "the caller, not the service, is recorded"
        assert entry["target"] == f"user:{user}"
        assert entry["details"]["forwarded_by"] == _member_id(a, on_a)
        assert entry["details"]["role"] == "admin"

        # A forwarded token is good only on a forwarded request for its own method and path.
        token = _forwarded_token(a, user, "POST", f"/api/v1/actors/{user}/passivate")
        bearer = {"Authorization": f"Bearer {token}"}
        marked = bearer | {FORWARDED_HEADER: "a"}
        passivate = f"{b.url}/api/v1/actors/{user}/passivate"
        assert httpx.post(passivate, headers=bearer, timeout=30).status_code == 401
        restart = f"{b.url}/api/v1/actors/{user}/restart"
        assert httpx.post(restart, headers=marked, timeout=30).status_code == 401
        assert httpx.post(passivate, headers=marked, timeout=30).status_code == 200
        # A forged mark without a token is still refused.
        assert httpx.post(passivate, headers={FORWARDED_HEADER: "a"}).status_code == 401
    finally:
        a.stop()
        b.stop()


def _member_id(member: Member, headers: dict[str, str]) -> str:
    view = httpx.get(f"{member.url}/api/v1/cluster", headers=headers, timeout=10).json()
    return str(view["member_id"])


def _forwarded_token(member: Member, user: int, method: str, path: str) -> str:
    """A token as member ``a`` mints it when forwarding (same service secret)."""
    settings = load_settings(ROOT / "config.toml", _settings_env(member.env))
    service = build_token_service(settings)
    caller = service.verify(member.admin()["Authorization"].split()[1])
    return service.mint_forwarded_token(caller, "a", method, path).token


def _settings_env(env: dict[str, str]) -> dict[str, Any]:
    return {k: v for k, v in env.items() if k.startswith("YABOT_")}


def test_a_cluster_member_without_a_service_token_refuses_to_start(
    emu: Emu, pg_dsn: str, tmp_path: Path
) -> None:
    member = Member("lonely", pg_dsn, emu.url, tmp_path, YABOT_API__SERVICE_TOKEN="")
    with pytest.raises(AssertionError, match="exited"):
        member.start(timeout=30)
    output = member.log.read_text()
    assert "config error: api.service_token (env YABOT_API__SERVICE_TOKEN)" in output
    assert "Traceback" not in output
    assert member.proc is not None and member.proc.returncode == 2
    assert SERVICE_TOKEN not in output
