"""Idempotency-Key handling for admin operations: the header, and the stored first answers.

A request with an ``Idempotency-Key`` the API has already answered gets that first answer
again (with ``Idempotent-Replayed: true``) and changes nothing; the same key with a different
request is refused. Answers live in ``operations.db`` (table ``api_idempotency``) under
``storage.data_dir``. Only successful answers are stored: a refused request (e.g. an
overdraft) changed nothing, so its key may be used again.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from fastapi import Request
from prometheus_client import Counter

from yabot.api.errors import ApiError
from yabot.api.sql_core import Dialect, SqliteDialect, postgres_pool
from yabot.config import Settings
from yabot.observability.logging import get_logger

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
_KEY_RE = re.compile(KEY_PATTERN)
log = get_logger(__name__)

IDEMPOTENCY = Counter(
    "yabot_api_idempotency_total",
    "Idempotency-Key outcomes: replayed answers, refused keys (missing, invalid, reused).",
    ["outcome"],
)


def header_parameter(required: bool) -> dict[str, Any]:
    """The OpenAPI description of the header (for a route's ``openapi_extra``)."""
    return {
        "parameters": [
            {
                "name": HEADER,
                "in": "header",
                "required": required,
                "description": "Unique per intended change; a repeat returns the first answer.",
                "schema": {"type": "string", "pattern": KEY_PATTERN},
            }
        ]
    }


def read_key(request: Request, *, required: bool) -> str | None:
    """Return the request's Idempotency-Key.

    Raises:
        ApiError: 400 when it is missing (and ``required``) or malformed.
    """
    value = request.headers.get(HEADER)
    if value is None:
        if not required:
            return None
        IDEMPOTENCY.labels("missing").inc()
        log.info("idempotency_key.refused", reason="missing", path=request.url.path)
        raise ApiError(400, "idempotency_key_required", f"the {HEADER} header is required")
    if not _KEY_RE.fullmatch(value):
        IDEMPOTENCY.labels("invalid").inc()
        log.info("idempotency_key.refused", reason="invalid", path=request.url.path)
        raise ApiError(
            400,
            "idempotency_key_invalid",
            f"the {HEADER} header must be 1-100 characters of A-Z a-z 0-9 _ . : -",
        )
    return value


def fingerprint(operation: str, params: dict[str, Any]) -> str:
    """A digest of what a request asks for, to tell a true repeat from a reused key."""
    text = json.dumps([operation, params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer given to a key."""

    fingerprint: str
    body: dict[str, Any]


def reused_key() -> ApiError:
    """The error for a key already used with a different request (counted)."""
    IDEMPOTENCY.labels("reused").inc()
    log.info("idempotency_key.refused", reason="reused")
    return ApiError(
        409,
        "idempotency_key_reused",
        f"this {HEADER} was already used for a different request",
    )


@runtime_checkable
class IdempotencyStore(Protocol):
    """First answers by (scope, key); blocking (call it off the event loop).

    Adapters: :class:`SqliteIdempotencyStore` and
    ``yabot.api.pg_idempotency.PgIdempotencyStore`` (one contract suite:
    tests/storage/test_idempotency_contract.py).
    """

    def get(self, scope: str, key: str) -> StoredAnswer | None:
        """Return the answer stored for ``key`` in ``scope``, or None."""
        ...

    def put(self, scope: str, key: str, print_: str, body: dict[str, Any]) -> StoredAnswer:
        """Store the first answer for ``key``; returns whichever answer was stored first."""
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...


class SqlIdempotencyStore:
    """First answers by (scope, key), written once over a :class:`Dialect` (thread-safe,
    blocking); :class:`SqliteIdempotencyStore` and ``PgIdempotencyStore`` open it."""

    def __init__(self, dialect: Dialect) -> None:
        self._sql = dialect

    def get(self, scope: str, key: str) -> StoredAnswer | None:
        """Return the answer stored for ``key`` in ``scope``, or None."""
        with self._sql.read() as sql:
            row = sql.one(_SELECT, (scope, key))
        return StoredAnswer(row[0], json.loads(row[1])) if row else None

    def put(self, scope: str, key: str, print_: str, body: dict[str, Any]) -> StoredAnswer:
        """Store the first answer for ``key``; returns whichever answer was stored first."""
        with self._sql.write() as sql:
            sql.run(
                "INSERT INTO api_idempotency (scope, key, fingerprint, body, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING",
                (scope, key, print_, json.dumps(body), time.time()),
            )
            # A new statement sees the row a concurrent first writer committed.
            row = sql.one(_SELECT, (scope, key))
        assert row is not None
        return StoredAnswer(row[0], json.loads(row[1]))

    def close(self) -> None:
        """Release the dialect's connection (a shared pool stays open)."""
        self._sql.close()


_SELECT = "SELECT fingerprint, body FROM api_idempotency WHERE scope = ? AND key = ?"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS api_idempotency (scope TEXT NOT NULL, "
    "key TEXT NOT NULL, fingerprint TEXT NOT NULL, body TEXT NOT NULL, "
    "created_at REAL NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID",
)


class SqliteIdempotencyStore(SqlIdempotencyStore):
    """First answers by (scope, key) in SQLite; thread-safe, blocking.

    Args:
        path: The SQLite file (created with its table when missing).
        busy_timeout_ms: SQLite busy timeout.
    """

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000) -> None:
        super().__init__(SqliteDialect.open(path, _SCHEMA, busy_timeout_ms=busy_timeout_ms))


def open_idempotency_store(
    settings: Settings, pool: ConnectionPool | None = None
) -> IdempotencyStore:
    """The store of ``storage.backend``: ``operations.db`` under ``data_dir``, or PostgreSQL
    through ``pool``."""
    storage = settings.storage
    if (shared := postgres_pool(storage, pool)) is not None:
        from yabot.api.pg_idempotency import PgIdempotencyStore

        return PgIdempotencyStore(shared)
    return SqliteIdempotencyStore(
        storage.data_dir / "operations.db", busy_timeout_ms=storage.sqlite_busy_timeout_ms
    )


__all__ = [
    "HEADER",
    "REPLAYED_HEADER",
    "IdempotencyStore",
    "SqliteIdempotencyStore",
    "StoredAnswer",
    "fingerprint",
    "header_parameter",
    "open_idempotency_store",
    "read_key",
    "reused_key",
]
