"""One way to open SQLite files: WAL, synchronous=NORMAL, foreign keys, a busy timeout,
``secure_delete`` on, and private files (0600) in a private directory (0700).

SQLite creates a database's ``-wal`` and ``-shm`` files with the database file's mode, so
creating the database 0600 makes its companions 0600 too.

Threading model: a connection from :func:`connect` is opened with ``check_same_thread=False``
so it may be handed between threads, but SQLite connections must never be used by two threads
at once. Either wrap one connection in :class:`LockedConnection` (every use holds its lock;
simplest, and SQLite serialises writers anyway) or keep one connection per thread with
:class:`ThreadLocalConnections` (concurrent readers under WAL).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from yabot.observability.logging import get_logger

MAX_SQLITE_INTEGER = 2**63 - 1
FILE_MODE = 0o600
DIR_MODE = 0o700

log = get_logger(__name__)


T = TypeVar("T")


def in_chunks(values: Sequence[T], size: int = 500) -> Iterator[tuple[list[T], str]]:
    """``values`` in chunks of at most ``size`` (under SQLite's bound-variable limit), each
    with its ``?,?,…`` placeholders for an ``IN (…)`` list."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield chunk, ",".join("?" * len(chunk))


def private_dir(path: str | Path) -> Path:
    """Create ``path`` (and missing parents) as a directory only its owner can enter (0700);
    tighten an existing one that is looser, with a warning.

    Returns:
        ``path`` as a Path.
    """
    directory = Path(path)
    if not directory.is_dir():
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        os.chmod(directory, DIR_MODE)
        log.warning("data_dir_permissions_tightened", path=str(directory), old_mode=oct(mode))
    return directory


def private_file(path: str | Path) -> Path:
    """Make sure ``path`` exists and only its owner can read or write it (0600): create it
    empty with that mode, or tighten an existing file that is looser (with a warning).

    Returns:
        ``path`` as a Path.
    """
    target = Path(path)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        mode = stat.S_IMODE(target.stat().st_mode)
        if mode & 0o077:
            os.chmod(target, FILE_MODE)
            log.warning("data_file_permissions_tightened", path=str(target), old_mode=oct(mode))
    return target


def connect(path: str | Path, *, busy_timeout_ms: int) -> sqlite3.Connection:
    """Open (creating parent directories) a SQLite database tuned for YABOT.

    Args:
        path: The database file, or ``":memory:"``.
        busy_timeout_ms: How long a writer waits for a lock before ``database is locked``.

    Returns:
        A connection in WAL mode with ``synchronous=NORMAL``, foreign keys on,
        ``secure_delete`` on (deleted content is overwritten, not left in free pages) and
        Python's default (deferred) transaction handling; usable from any thread, one at a
        time. The file is 0600 (see :func:`private_file`); a missing directory is created 0700.
    """
    if busy_timeout_ms < 0:
        raise ValueError(f"busy_timeout_ms must be >= 0, got {busy_timeout_ms}")
    target = str(path)
    if target != ":memory:":
        parent = Path(target).parent
        if not parent.is_dir():  # an existing directory is tightened by its owner, not here
            private_dir(parent)
        private_file(target)
    conn = sqlite3.connect(target, timeout=busy_timeout_ms / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA secure_delete = ON")
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
