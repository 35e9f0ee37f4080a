"""Opening the admin API's stores on each adapter, for their contract suites."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


def adapters(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite: Callable[[Path], T],
    postgres: Callable[[Any], T],
) -> Iterator[Callable[[], T]]:
    """Yield an opener of stores of ``request.param``'s adapter that share their data (one
    file, or one database); closes them (and the pools) afterwards."""
    opened: list[Any] = []
    pools: list[Any] = []

    def open_store() -> T:
        if request.param == "sqlite":
            store = sqlite(tmp_path / "store.db")
        else:
            from yabot.storage.postgres.pool import open_pool

            pool = open_pool(request.getfixturevalue("pg_dsn"), max_size=10)
            pools.append(pool)
            store = postgres(pool)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()
    for pool in pools:
        pool.close()
