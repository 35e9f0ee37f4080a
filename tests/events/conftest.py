"""A private redis-server per test (never the shared one at 6379)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from private_redis import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
