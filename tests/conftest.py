"""Shared fixtures: keep this file small; feature fixtures live next to their tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

MONGODB_URI_ENV = "YABOT_TEST_MONGODB_URI"


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB wire-protocol server for the session: a real mongod when
    ``YABOT_TEST_MONGODB_URI`` is set, else an in-process SecantusDB server.

    Tests must use their own database name (see ``unique_name``) to stay independent.
    """
    external = os.environ.get(MONGODB_URI_ENV)
    if external:
        yield external
        return
    from secantus import SecantusDBServer

    storage: Path = tmp_path_factory.mktemp("secantus")
    with SecantusDBServer(storage_path=str(storage)) as server:
        yield server.uri
