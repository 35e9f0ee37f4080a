"""The store of first answers (Idempotency-Key), on every adapter (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.storage.api_store_adapters import adapters
from yabot.api.idempotency import IdempotencyStore, SqliteIdempotencyStore

Opener = Callable[[], Any]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    def postgres(pool: Any) -> Any:
        from yabot.api.pg_idempotency import PgIdempotencyStore

        return PgIdempotencyStore(pool)

    yield from adapters(request, tmp_path, SqliteIdempotencyStore, postgres)


def test_the_first_answer_stays(open_store: Opener) -> None:
    store: IdempotencyStore = open_store()
    assert isinstance(store, IdempotencyStore)
    assert store.get("grant", "k1") is None
    first = store.put("grant", "k1", "fp1", {"balance": 10})
    assert (first.fingerprint, first.body) == ("fp1", {"balance": 10})
    second = store.put("grant", "k1", "fp2", {"balance": 99})
    assert second == first
    assert store.get("grant", "k1") == first
    assert store.get("refund", "k1") is None  # scopes are separate
    assert open_store().get("grant", "k1") == first  # every instance sees it


def test_racing_writers_of_one_key_all_get_the_first_answer(open_store: Opener) -> None:
    stores = [open_store() for _ in range(2)]
    answers: list[Any] = []

    def put(store: IdempotencyStore, n: int) -> None:
        answers.append(store.put("grant", "race", f"fp{n}", {"n": n}))

    threads = [threading.Thread(target=put, args=(stores[n % 2], n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({(a.fingerprint, a.body["n"]) for a in answers}) == 1
