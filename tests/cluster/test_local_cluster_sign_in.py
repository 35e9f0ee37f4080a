"""`scripts/cluster` prints a way to sign in to the admin API it points to.

Its instances run with a bot token (the emulator's), so no local admin is created for them,
and it drops every ``YABOT_*`` variable of the caller: unless it gives them a bootstrap admin
password (and one JWT key, so a token works on every member), its "sign in first" line has no
answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from yabot.cluster.local import LocalCluster
from yabot.secret_checks import parse_jwt_keys


def _cluster(tmp_path: Path, **kwargs: object) -> LocalCluster:
    cluster = LocalCluster(instances=2, workdir=tmp_path, cluster=True, **kwargs)  # type: ignore[arg-type]
    cluster.redis = SimpleNamespace(url="redis://127.0.0.1:1/0")  # type: ignore[assignment]
    cluster.postgres = SimpleNamespace(dsn="postgresql://yabot@127.0.0.1:3/postgres")  # type: ignore[assignment]
    cluster.emulator_url = "http://127.0.0.1:2"
    return cluster


def test_every_instance_gets_the_same_admin_password_and_jwt_keys(tmp_path: Path) -> None:
    cluster = _cluster(tmp_path)
    one, two = cluster.instance_env("yabot1", 1001), cluster.instance_env("yabot2", 1002)
    password = one["YABOT_API__BOOTSTRAP_ADMIN_PASSWORD"]
    assert password == two["YABOT_API__BOOTSTRAP_ADMIN_PASSWORD"] == cluster.admin_password
    assert len(password) >= 12  # api.min_password_length
    assert one["YABOT_API__JWT_KEYS"] == two["YABOT_API__JWT_KEYS"]
    assert parse_jwt_keys(one["YABOT_API__JWT_KEYS"])  # valid keys, long enough
    assert password in cluster.sign_in_hint()
    assert "admin" in cluster.sign_in_hint()


def test_each_cluster_has_its_own_password_and_extra_env_wins(tmp_path: Path) -> None:
    assert _cluster(tmp_path / "a").admin_password != _cluster(tmp_path / "b").admin_password
    keys = json.dumps({"k": "x" * 40})
    cluster = _cluster(tmp_path / "c", extra_env={"YABOT_API__JWT_KEYS": keys})
    assert cluster.instance_env("yabot1", 1001)["YABOT_API__JWT_KEYS"] == keys
