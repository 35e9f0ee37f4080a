"""Forward-only, numbered schema migrations of the records database (``records.db``).

Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with the row that
records it in ``schema_version``, so a crash leaves the schema at a whole version. A released
migration is never edited: change the schema by appending a new one.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from yabot.config import Settings
from yabot.observability.logging import get_logger
from yabot.storage.sqlite_util import connect

RECORDS_DB_NAME = "records.db"

log = get_logger(__name__)


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer YABOT than this one."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: ``apply`` runs inside the migration's transaction."""

    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _run(conn: sqlite3.Connection, *statements: str) -> None:
    for statement in statements:
        conn.execute(statement)


def _v1_core_tables(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        """CREATE TABLE profiles (
            user_id INTEGER PRIMARY KEY,
            first_name TEXT NOT NULL DEFAULT '',
            username TEXT,
            language_code TEXT,
            role TEXT NOT NULL DEFAULT 'player',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL)""",
        """CREATE TABLE subscriptions (
            user_id INTEGER PRIMARY KEY,
            tier TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at REAL NOT NULL,
            ends_at REAL,
            source TEXT NOT NULL,
            updated_at REAL NOT NULL)""",
        "CREATE INDEX subscriptions_by_end ON subscriptions (status, ends_at)",
        """CREATE TABLE ledger (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL,
            amount INTEGER NOT NULL CHECK (amount != 0),
            reason TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
            created_at REAL NOT NULL,
            correlation_id TEXT)""",
        "CREATE INDEX ledger_by_user ON ledger (user_id, id)",
        """CREATE TABLE payments (
            telegram_payment_charge_id TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            currency TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('paid', 'refunded')),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL)""",
        "CREATE INDEX payments_by_user ON payments (user_id)",
        """CREATE TABLE items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL,
            item TEXT NOT NULL,
            source_key TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL)""",
        "CREATE INDEX items_by_user ON items (user_id, item)",
        """CREATE TABLE admins (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT 'admin',
            created_at REAL NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            who TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}',
            at REAL NOT NULL,
            idempotency_key TEXT UNIQUE)""",
    )


def _v2_outbox_and_job_runs(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            user_id INTEGER,
            created_at REAL NOT NULL,
            body TEXT NOT NULL,
            size INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'local')),
            sent_at REAL)""",
        "CREATE INDEX outbox_by_status ON outbox (status, seq)",
        """CREATE TABLE job_runs (
            job_key TEXT PRIMARY KEY,
            ran_at REAL NOT NULL)""",
    )


def _v3_wallets(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        """CREATE TABLE wallets (
            user_id INTEGER PRIMARY KEY,
            balance INTEGER NOT NULL CHECK (balance >= 0),
            updated_at REAL NOT NULL)""",
        """INSERT INTO wallets (user_id, balance, updated_at)
           SELECT l.user_id, l.balance_after, l.created_at FROM ledger l
           WHERE l.id = (SELECT MAX(id) FROM ledger WHERE user_id = l.user_id)""",
    )


def _v4_replies(conn: sqlite3.Connection) -> None:
    # Until v4 the reply outbox had its own file (replies.db); RecordsDb.open copies what is
    # still pending there (see yabot.storage.records.replies.import_legacy_replies).
    _run(
        conn,
        """CREATE TABLE replies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dedupe_key TEXT NOT NULL UNIQUE,
            update_id INTEGER NOT NULL,
            chat_id INTEGER,
            method TEXT NOT NULL,
            params TEXT NOT NULL)""",
    )


def _v5_reply_marks(conn: sqlite3.Connection) -> None:
    # Confirmed replies of updates are marked sent (kept until a snapshot covers their
    # update, so a replay stores nothing again) instead of deleted by a poller.
    _run(
        conn,
        "ALTER TABLE replies ADD COLUMN user_id INTEGER",
        "ALTER TABLE replies ADD COLUMN seq INTEGER",
        "ALTER TABLE replies ADD COLUMN sent_at REAL",
        "CREATE INDEX replies_unsent ON replies (id) WHERE sent_at IS NULL",
        "CREATE INDEX replies_sent_by_player ON replies (user_id, seq) WHERE sent_at IS NOT NULL",
        "CREATE INDEX replies_sent_age ON replies (sent_at) WHERE sent_at IS NOT NULL",
    )


def _v6_rejected_payments(conn: sqlite3.Connection) -> None:
    # A successful_payment for no invoice YABOT issued grants nothing; it is kept as
    # 'rejected' so the money is accounted for and an admin can refund it. SQLite cannot
    # change a CHECK in place: the table is rebuilt.
    _run(
        conn,
        """CREATE TABLE payments_v6 (
            telegram_payment_charge_id TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            currency TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('paid', 'refunded', 'rejected')),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL)""",
        "INSERT INTO payments_v6 SELECT telegram_payment_charge_id, user_id, amount, currency,"
        " payload, status, created_at, updated_at FROM payments",
        "DROP TABLE payments",
        "ALTER TABLE payments_v6 RENAME TO payments",
        "CREATE INDEX payments_by_user ON payments (user_id)",
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "core tables: profiles, subscriptions, ledger, payments, items, admins, audit",
        _v1_core_tables,
    ),
    Migration(2, "events outbox and scheduler job runs", _v2_outbox_and_job_runs),
    Migration(3, "wallets: one balance row per user, backfilled from the ledger", _v3_wallets),
    Migration(4, "reply outbox, written in the records' transactions", _v4_replies),
    Migration(
        5,
        "reply outbox: durable sent marks, the player and inbox seq of each reply",
        _v5_reply_marks,
    ),
    Migration(6, "payments: a rejected status, kept to refund", _v6_rejected_payments),
)
HEAD_VERSION = MIGRATIONS[-1].version


def current_version(conn: sqlite3.Connection) -> int:
    """Return the schema version of the database (0 when it has never been migrated)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply pending migrations up to ``target`` (default: the newest).

    Args:
        conn: A connection with no open transaction.
        target: The version to stop at; tests use it to build every earlier schema.

    Returns:
        How many migrations were applied.

    Raises:
        SchemaTooNew: The database is at a version this code does not know.
    """
    goal = HEAD_VERSION if target is None else target
    if not 0 <= goal <= HEAD_VERSION:
        raise ValueError(f"target version must be 0..{HEAD_VERSION}, got {goal}")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
    )
    if conn.in_transaction:
        conn.commit()
    applied = 0
    for migration in MIGRATIONS:
        if migration.version > goal:
            break
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = current_version(conn)
            if version > HEAD_VERSION:
                raise SchemaTooNew(
                    f"records database is at schema version {version}, newer than this "
                    f"YABOT's {HEAD_VERSION}: upgrade YABOT or restore a matching backup"
                )
            if migration.version <= version:
                conn.rollback()
                continue
            migration.apply(conn)
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, time.time()),
            )
            conn.commit()
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        applied += 1
        log.info("migration_applied", version=migration.version, migration=migration.name)
    if goal == HEAD_VERSION and current_version(conn) > HEAD_VERSION:
        raise SchemaTooNew(
            f"records database is at schema version {current_version(conn)}, newer than "
            f"this YABOT's {HEAD_VERSION}: upgrade YABOT or restore a matching backup"
        )
    return applied


def records_path(settings: Settings) -> Path:
    """Return the path of ``records.db`` under the configured data directory."""
    return Path(settings.storage.data_dir) / RECORDS_DB_NAME


def migrate_all(settings: Settings) -> int:
    """Bring ``records.db`` under ``settings.storage.data_dir`` to the newest schema.

    Returns:
        How many migrations were applied (0 when already up to date).
    """
    conn = connect(records_path(settings), busy_timeout_ms=settings.storage.sqlite_busy_timeout_ms)
    try:
        return migrate(conn)
    finally:
        conn.close()
