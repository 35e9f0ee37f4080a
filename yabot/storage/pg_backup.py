"""Backup and restore of the PostgreSQL stores (``storage.backend = "postgres"``, cluster mode).

Backup reads the tables of every PostgreSQL store of :mod:`yabot.storage.registry` with
``COPY ... TO STDOUT`` inside one ``REPEATABLE READ, READ ONLY`` transaction: one snapshot of the
database taken while the instances go on writing (no lock beyond what any reader takes). It
needs only the client library, so no ``pg_dump`` of a matching version. With the snapshots in
MongoDB the order of the registry is kept: the inbox is read in a first transaction, then the
Mongo collection, then the other stores in a second one (see the registry's module docs).

Each table is one file ``postgres/<table>.copy`` (COPY's text format) with its column list,
each store's schema version (``schema_migrations``) and sequence values in the manifest; the
shard leases only as each shard's epoch.

Restore needs an empty database. In one transaction it creates every store's schema at the
backup's version (later versions are applied by the instances' own migrations when they
start), copies the rows back, sets the sequences, checks that the keys decrypt every snapshot
(refusing, and so changing nothing, if not) and writes the shard leases free at an epoch above
every epoch the backup saw: a member that held a lease before the backup cannot write after
the restore (its epoch is lower), and a Mongo snapshot written at an old epoch does not fence
the restored cluster's writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from yabot.config import Settings
from yabot.storage.postgres.migrations import _TABLE as MIGRATIONS_TABLE
from yabot.storage.postgres.migrations import PgMigration
from yabot.storage.postgres.pool import postgres_dsn
from yabot.storage.registry import Kind, Store, postgres_stores
from yabot.storage.sqlite_util import private_file

PG_DIR = "postgres"
LEASES = "cluster_leases"


class PgBackupError(RuntimeError):
    """The PostgreSQL part of a backup or restore failed; nothing was changed."""


def connect(settings: Settings) -> psycopg.Connection[Any]:
    """A plain connection to the configured database (no pool: one long transaction)."""
    try:
        return psycopg.connect(
            postgres_dsn(settings), connect_timeout=int(settings.storage.postgres_timeout_s) or 1
        )
    except psycopg.Error as exc:
        raise PgBackupError(f"cannot connect to PostgreSQL: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


class Snapshot:
    """One ``REPEATABLE READ, READ ONLY`` transaction: every read sees the same instant."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        conn.rollback()  # no transaction open: its characteristics can be set
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        conn.execute("SELECT 1")  # psycopg begins; the snapshot is taken at this statement

    def close(self) -> None:
        """End the transaction (it wrote nothing)."""
        self.conn.rollback()

    def exists(self, table: str) -> bool:
        row = self.conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
        return row is not None and row[0] is not None

    def columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s)"
            " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (table,),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def owned_sequences(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid"
            " AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
            " WHERE s.relkind = 'S' AND d.refobjid = to_regclass(%s) ORDER BY s.relname",
            (table,),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def sequence(self, name: str) -> tuple[int, bool]:
        row = self.conn.execute(
            sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(name))
        ).fetchone()
        assert row is not None
        return int(row[0]), bool(row[1])

    def version(self, store: str) -> int:
        if not self.exists("schema_migrations"):
            return 0
        row = self.conn.execute(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE store = %s", (store,)
        ).fetchone()
        return int(row[0]) if row else 0

    def copy_out(self, table: str, columns: list[str], target: Path) -> int:
        query = sql.SQL("COPY {} ({}) TO STDOUT").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        private_file(target)
        rows = 0
        with target.open("wb") as handle, self.conn.cursor().copy(query) as copy:
            for block in copy:
                handle.write(block)
                rows += bytes(block).count(b"\n")
        return rows

    def epochs(self) -> dict[int, int]:
        rows = self.conn.execute("SELECT shard, epoch FROM shard_leases ORDER BY shard")
        return {int(s): int(e) for s, e in rows.fetchall()}


def back_up_store(
    snap: Snapshot, store: Store, staging: Path, checksum: Callable[[Path], str]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Copy ``store``'s tables inside ``snap``.

    Returns:
        The manifest's file entries, and the store's entry of the manifest's ``postgres``
        section (None when the store has no table in this database, e.g. the leases of a
        single instance).
    """
    if store.name == LEASES:
        if not snap.exists("shard_leases"):
            return [], None
        return [], {"store": LEASES, "epochs": {str(k): v for k, v in snap.epochs().items()}}
    present = [t for t in store.tables if snap.exists(t)]
    if not present:
        return [], None
    if len(present) != len(store.tables):
        missing = sorted(set(store.tables) - set(present))
        raise PgBackupError(f"the {store.name} store lacks tables {missing}: a damaged schema")
    folder = staging / PG_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    files, tables = [], []
    sequences = {name: snap.sequence(name) for name in store.sequences if snap.exists(name)}
    for table in store.tables:
        columns = snap.columns(table)
        copy = folder / f"{table}.copy"
        rows = snap.copy_out(table, columns, copy)
        for name in snap.owned_sequences(table):
            sequences[name] = snap.sequence(name)
        tables.append({"table": table, "columns": columns, "rows": rows})
        files.append(
            {
                "name": f"{PG_DIR}/{copy.name}",
                "store": store.name,
                "kind": Kind.POSTGRES.value,
                "bytes": copy.stat().st_size,
                "sha256": checksum(copy),
                "rows": rows,
            }
        )
    entry = {
        "store": store.name,
        "version": snap.version(store.name),
        "tables": tables,
        "sequences": {k: {"last_value": v, "is_called": c} for k, (v, c) in sequences.items()},
    }
    return files, entry


# ---- restore --------------------------------------------------------------------------


def _our_tables(conn: psycopg.Connection[Any]) -> list[str]:
    names = ["schema_migrations"] + [t for s in postgres_stores() for t in s.tables]
    found = []
    for name in names:
        row = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
        if row is not None and row[0] is not None:
            found.append(name)
    return found


def restore(
    settings: Settings,
    source: Path,
    section: Sequence[Mapping[str, Any]],
    migrations: Mapping[str, Sequence[PgMigration]],
    leases_schema: Sequence[str],
    *,
    epoch_floor: int,
    check_snapshots: Callable[[Iterator[tuple[str, bytes]]], None],
) -> dict[str, int]:
    """Create the schema and copy every store of the backup back, in one transaction.

    Args:
        settings: The configuration (the DSN) of the database to fill; it must be empty.
        source: The backup directory.
        section: The manifest's ``postgres`` entries.
        migrations: Each store's migrations (:func:`yabot.pg_schemas.store_migrations`).
        leases_schema: The shard leases' DDL.
        epoch_floor: Every shard's new epoch is above this (the highest epoch of the Mongo
            snapshots in the backup, 0 without).
        check_snapshots: Raises when the keys do not decrypt a snapshot (called with the
            restored PostgreSQL snapshots before the commit, so a refusal changes nothing).

    Returns:
        Rows restored per table.
    """
    restored: dict[str, int] = {}
    with connect(settings) as conn:
        found = _our_tables(conn)
        if found:
            raise PgBackupError(
                f"the PostgreSQL database already holds YABOT tables ({found[0]}, ...):"
                " restore needs an empty database"
            )
        conn.execute(MIGRATIONS_TABLE)
        leases: Mapping[str, Any] | None = None
        for entry in section:
            name = str(entry["store"])
            if name == LEASES:
                leases = entry
                continue
            _create(conn, name, int(entry["version"]), migrations)
            for table in entry["tables"]:
                restored[table["table"]] = _copy_in(conn, source, table)
            for seq, value in entry.get("sequences", {}).items():
                conn.execute(
                    "SELECT setval(%s, %s, %s)",
                    (seq, int(value["last_value"]), bool(value["is_called"])),
                )
        if any(e["store"] == "snapshots" for e in section):
            rows = conn.execute("SELECT key, state FROM snapshots ORDER BY key")
            check_snapshots((str(k), bytes(s)) for k, s in rows)
        if leases is not None:
            for statement in leases_schema:
                conn.execute(statement)
            epochs = {int(k): int(v) for k, v in leases["epochs"].items()}
            top = max([epoch_floor, *epochs.values()]) + 1
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO shard_leases (shard, epoch) VALUES (%s, %s)",
                    [(shard, top) for shard in sorted(epochs)],
                )
            restored["shard_leases"] = len(epochs)
        conn.commit()
    return restored


def _create(
    conn: psycopg.Connection[Any],
    store: str,
    version: int,
    migrations: Mapping[str, Sequence[PgMigration]],
) -> None:
    known = migrations.get(store)
    if known is None:
        raise PgBackupError(f"the backup holds a PostgreSQL store {store!r} this program lacks")
    if version > len(known):
        raise PgBackupError(
            f"the backup's {store} store is at schema version {version}, this program knows up "
            f"to {len(known)}: restore it with a newer YABOT"
        )
    for migration in known[:version]:
        for statement in migration.statements:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (store, version, name) VALUES (%s, %s, %s)",
            (store, migration.version, migration.name),
        )


def _copy_in(conn: psycopg.Connection[Any], source: Path, table: Mapping[str, Any]) -> int:
    name = str(table["table"])
    query = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, table["columns"]))
    )
    try:
        with (
            (source / PG_DIR / f"{name}.copy").open("rb") as handle,
            conn.cursor().copy(query) as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
    except psycopg.Error as exc:
        raise PgBackupError(f"cannot restore table {name}: {_one_line(exc)}") from None
    return int(table["rows"])


__all__ = ["PG_DIR", "PgBackupError", "Snapshot", "back_up_store", "restore"]
