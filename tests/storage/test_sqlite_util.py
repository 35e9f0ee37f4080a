import sqlite3
import threading
from pathlib import Path

import pytest

from yabot.storage.sqlite_util import LockedConnection, ThreadLocalConnections, connect


def test_connect_sets_wal_normal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    conn = connect(tmp_path / "sub" / "db.sqlite", busy_timeout_ms=1234)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    conn.close()


def test_negative_busy_timeout_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="busy_timeout_ms"):
        connect(tmp_path / "db.sqlite", busy_timeout_ms=-1)


def test_locked_connection_serialises_writers_from_many_threads(tmp_path: Path) -> None:
    db = LockedConnection(connect(tmp_path / "db.sqlite", busy_timeout_ms=1000))
    with db.transaction() as conn:
        conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")

    def write(start: int) -> None:
        for n in range(start, start + 200):
            with db.transaction() as conn:
                conn.execute("INSERT INTO t VALUES (?)", (n,))

    threads = [threading.Thread(target=write, args=(i * 1000,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.use() as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 800
    db.close()


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    db = LockedConnection(connect(tmp_path / "db.sqlite", busy_timeout_ms=1000))
    with db.transaction() as conn:
        conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    with pytest.raises(sqlite3.IntegrityError), db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("INSERT INTO t VALUES (1)")
    with db.use() as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_thread_local_connections_are_distinct_per_thread(tmp_path: Path) -> None:
    pool = ThreadLocalConnections(tmp_path / "db.sqlite", busy_timeout_ms=1000)
    main = pool.get()
    assert pool.get() is main
    seen: list[sqlite3.Connection] = []
    t = threading.Thread(target=lambda: seen.append(pool.get()))
    t.start()
    t.join()
    assert seen[0] is not main
    pool.close_all()
