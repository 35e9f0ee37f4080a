"""Backup and restore of the PostgreSQL stores (cluster mode), against a throwaway server.

The registry must name every table the PostgreSQL stores create; a backup copies them in one
snapshot; restore fills an empty database (and refuses anything else), carries sequences over,
refuses keys that cannot read the snapshots without changing anything, and raises every
shard's epoch above what the backup saw (a member of before the backup is fenced after it).
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.conftest import fresh_database
from yabot.cluster.local_postgres import LocalPostgres
from yabot.config import Settings
from yabot.pg_schemas import restore_schemas, store_migrations
from yabot.storage.backup import BackupError, backup, restore
from yabot.storage.postgres.migrations import migrate
from yabot.storage.postgres.pool import open_pool
from yabot.storage.registry import Kind, active_stores, postgres_stores

ROOT = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key().decode()


def _settings(dsn: str, data: Path, key: str = KEY) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"backend": "postgres", "postgres_dsn": dsn, "data_dir": str(data)},
            "security": {"encryption_keys": key},
            "cluster": {"enabled": True},
        }
    )


def _create_all(dsn: str) -> None:
    """What the stores and the coordinator create when an instance starts."""
    pool = open_pool(dsn, max_size=2)
    try:
        for store, migrations in store_migrations().items():
            migrate(pool, store, migrations)
    finally:
        pool.close()
    _migrations, leases = restore_schemas()
    with psycopg.connect(dsn) as conn:
        for statement in leases:
            conn.execute(statement)
        conn.execute("INSERT INTO shard_leases (shard) SELECT generate_series(0, 7)")


@pytest.fixture
def other_dsn(postgres: LocalPostgres) -> Iterator[str]:
    """A second fresh database: where the backup is restored."""
    with fresh_database(postgres) as dsn:
        yield dsn


def _tables(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
    return {str(r[0]) for r in rows}


def test_the_registry_names_every_table_of_the_postgres_stores(pg_dsn: str) -> None:
    _create_all(pg_dsn)
    declared = {t for s in postgres_stores() for t in s.tables}
    assert _tables(pg_dsn) == declared | {"schema_migrations"}
    versioned = {s.name for s in postgres_stores() if s.name != "cluster_leases"}
    assert versioned == set(store_migrations())


def test_every_module_with_postgres_migrations_is_in_pg_schemas() -> None:
    """A new PostgreSQL store (a module with ``MIGRATIONS`` of ``PgMigration``) must reach the
    schemas restore creates."""
    defining = []
    for path in (ROOT / "yabot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign | ast.AnnAssign) and "PgMigration(" in ast.unparse(node):
                defining.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert len(defining) >= 6
    known = [id(m) for m in store_migrations().values()]
    for name in defining:
        assert id(importlib.import_module(name).MIGRATIONS) in known, name


def _fill(dsn: str) -> dict[str, Any]:
    """A little of everything: a snapshot, an inbox entry, audit rows, raised epochs."""
    token = Fernet(KEY.encode()).encrypt(b"state of player 7")
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO snapshots (key, version, seq, state, updated_at, shard)"
            " VALUES ('user:7', 3, 12, %s, 1.5, 2)",
            (token,),
        )
        for n in range(3):
            conn.execute(
                "INSERT INTO api_audit (at, who, action, target, details)"
                " VALUES (%s, 'admin', 'credit', 'user:7', %s)",
                (float(n), "line\twith a tab\nand a newline"),
            )
        conn.execute("SELECT nextval('inbox_seq') FROM generate_series(1, 41)")
        conn.execute("UPDATE shard_leases SET epoch = shard * 3, owner = 'old-member'")
        audit = conn.execute("SELECT * FROM api_audit ORDER BY id").fetchall()
    return {"audit": audit, "token": token}


def test_round_trip_into_an_empty_database_raises_epochs(
    pg_dsn: str, other_dsn: str, tmp_path: Path
) -> None:
    _create_all(pg_dsn)
    filled = _fill(pg_dsn)
    target = backup(_settings(pg_dsn, tmp_path / "data"), tmp_path / "backup")
    assert (target / "postgres" / "api_audit.copy").is_file()

    names = restore(_settings(other_dsn, tmp_path / "restored"), target, restore_schemas())
    assert "postgres/snapshots.copy" in names
    with psycopg.connect(other_dsn) as conn:
        assert conn.execute("SELECT * FROM api_audit ORDER BY id").fetchall() == filled["audit"]
        state = conn.execute("SELECT state FROM snapshots WHERE key = 'user:7'").fetchone()
        assert state is not None and bytes(state[0]) == filled["token"]
        # sequences go on where they were: no id of before the backup is handed out again
        assert conn.execute("SELECT nextval('inbox_seq')").fetchone() == (42,)
        audit_id = conn.execute(
            "INSERT INTO api_audit (at, who, action, target, details)"
            " VALUES (0, 'a', 'b', 'c', 'd') RETURNING id"
        ).fetchone()
        assert audit_id == (4,)
        leases = conn.execute("SELECT shard, owner, epoch FROM shard_leases").fetchall()
        versions = conn.execute(
            "SELECT store, max(version) FROM schema_migrations GROUP BY store ORDER BY store"
        ).fetchall()
    # every shard free, each above the highest epoch of before (7 * 3 = 21)
    assert sorted(leases) == [(s, None, 22) for s in range(8)]
    assert versions == sorted((s, len(m)) for s, m in store_migrations().items())


def test_restore_refuses_a_database_that_holds_yabot_tables(
    pg_dsn: str, other_dsn: str, tmp_path: Path
) -> None:
    _create_all(pg_dsn)
    _fill(pg_dsn)
    target = backup(_settings(pg_dsn, tmp_path / "data"), tmp_path / "backup")
    _create_all(other_dsn)
    with pytest.raises(BackupError, match="restore needs an empty database"):
        restore(_settings(other_dsn, tmp_path / "restored"), target, restore_schemas())


def test_restore_refuses_keys_that_cannot_read_the_snapshots_and_changes_nothing(
    pg_dsn: str, other_dsn: str, tmp_path: Path
) -> None:
    _create_all(pg_dsn)
    _fill(pg_dsn)
    target = backup(_settings(pg_dsn, tmp_path / "data"), tmp_path / "backup")
    wrong = _settings(other_dsn, tmp_path / "restored", key=Fernet.generate_key().decode())
    with pytest.raises(BackupError, match="cannot decrypt the backup's snapshot 'user:7'"):
        restore(wrong, target, restore_schemas())
    assert _tables(other_dsn) == set(), "the refused restore left nothing behind"


def test_a_single_instance_backup_has_no_leases(pg_dsn: str, tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {
            "storage": {"backend": "postgres", "postgres_dsn": pg_dsn, "data_dir": str(tmp_path)},
            "security": {"encryption_keys": KEY},
        }
    )
    kinds = {s.kind for s in active_stores(settings.storage)}
    assert kinds == {Kind.POSTGRES, Kind.KEY}
    assert "cluster_leases" not in {s.name for s in active_stores(settings.storage)}


def test_the_backup_reads_in_one_repeatable_read_snapshot(pg_dsn: str, tmp_path: Path) -> None:
    """Every table of a backup is read at the same instant: a write committed meanwhile is
    not seen, and the transaction writes nothing."""
    from yabot.storage import pg_backup

    _create_all(pg_dsn)
    with pg_backup.connect(_settings(pg_dsn, tmp_path)) as conn:
        snap = pg_backup.Snapshot(conn)
        level = conn.execute("SHOW transaction_isolation").fetchone()
        read_only = conn.execute("SHOW transaction_read_only").fetchone()
        assert (level, read_only) == (("repeatable read",), ("on",))
        before = conn.execute("SELECT count(*) FROM api_audit").fetchone()
        with psycopg.connect(pg_dsn, autocommit=True) as other:
            other.execute(
                "INSERT INTO api_audit (at, who, action, target, details)"
                " VALUES (0, 'a', 'b', 'c', 'd')"
            )
        assert conn.execute("SELECT count(*) FROM api_audit").fetchone() == before
        snap.close()
