"""``[cluster]`` settings: validated at start with one clear line."""

from __future__ import annotations

import pytest

from tests.integration.harness import ROOT
from yabot.config import ConfigError, load_settings


def test_cluster_mode_needs_the_postgres_backend() -> None:
    with pytest.raises(ConfigError, match=r'cluster\.enabled needs storage\.backend = "postgres"'):
        load_settings(ROOT / "config.toml", {"YABOT_CLUSTER__ENABLED": "true"})


def test_cluster_defaults_and_overrides() -> None:
    settings = load_settings(ROOT / "config.toml", {})
    assert (settings.cluster.enabled, settings.cluster.lease_timeout_s) == (False, 10.0)
    settings = load_settings(
        ROOT / "config.toml",
        {
            "YABOT_STORAGE__BACKEND": "postgres",
            "YABOT_STORAGE__POSTGRES_DSN": "postgresql://yabot@127.0.0.1/yabot",
            "YABOT_CLUSTER__ENABLED": "true",
            "YABOT_CLUSTER__LEASE_TIMEOUT_S": "4",
            "YABOT_CLUSTER__MEMBER_URL": "http://10.0.0.5:8080",
        },
    )
    assert settings.cluster.enabled and settings.cluster.lease_timeout_s == 4.0
    assert settings.cluster.member_url == "http://10.0.0.5:8080"


def test_a_lease_below_one_second_is_refused() -> None:
    with pytest.raises(ConfigError, match="lease_timeout_s"):
        load_settings(ROOT / "config.toml", {"YABOT_CLUSTER__LEASE_TIMEOUT_S": "0.1"})
