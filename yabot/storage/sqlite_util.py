"""One way to open SQLite files: WAL, synchronous=NORMAL, foreign keys, a busy timeout.

Threading model: a connection from :func:`connect` is opened with ``check_same_thread=False``
so it may be handed between threads, but SQLite connections must never be used by two threads
at once. Either wrap one connection in :class:`LockedConnection` (every use holds its lock;
simplest, and SQLite serialises writers anyway) or keep one connection per thread with
:class:`ThreadLocalConnections` (concurrent readers under WAL).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MAX_SQLITE_INTEGER = 2**63 - 1


def connect(path: str | Path, *, busy_timeout_ms: int) -> sqlite3.Connection:
    """Open (creating parent directories) a SQLite database tuned for YABOT.

    Args:
        path: The database file, or ``":memory:"``.
        busy_timeout_ms: How long a writer waits for a lock before ``database is locked``.

    Returns:
        A connection in WAL mode with ``synchronous=NORMAL``, foreign keys on and Python's
        default (deferred) transaction handling; usable from any thread, one at a time.
    """
    if busy_timeout_ms < 0:
        raise ValueError(f"busy_timeout_ms must be >= 0, got {busy_timeout_ms}")
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, timeout=busy_timeout_ms / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class LockedConnection:
    """One connection shared by many threads; each use holds a lock.

    Example::

        db = LockedConnection(connect(path, busy_timeout_ms=5000))
        with db.transaction() as conn:
            conn.execute("INSERT ...")
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.RLock()

    @contextmanager
    def use(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and yield the connection (no transaction is opened)."""
        with self._lock:
            yield self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock inside ``BEGIN IMMEDIATE``; commit on success, roll back on error."""
        with self._lock:
            if self._conn.in_transaction:
                raise RuntimeError("nested SQLite transaction on a LockedConnection")
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.commit()

    def close(self) -> None:
        """Close the connection (waits for any user to finish)."""
        with self._lock:
            self._conn.close()


class ThreadLocalConnections:
    """One connection per thread to the same file, opened lazily with :func:`connect`."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self._path, busy_timeout_ms=self._busy_timeout_ms)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close_all(self) -> None:
        """Close every thread's connection; later ``get`` calls in a thread fail."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
