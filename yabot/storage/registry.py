"""Every durable store YABOT writes, declared once: its role, its owner, how it is backed up.

Backup and restore (:mod:`yabot.storage.backup`), the at-rest checks and the contract tests
iterate over :data:`STORES`; a file under ``storage.data_dir`` that no entry here explains is a
bug (``tests/integration/test_data_at_rest.py`` runs the bot, plays, and fails on any such
file). The local emulator's state (:data:`LOCAL_EMULATOR_DIR`, local play only) is not a store.

A store is one of:

- a SQLite file under ``data_dir`` (with the ``-wal``/``-shm``/``-journal`` files SQLite keeps
  next to it), backed up online with SQLite's backup API;
- a MongoDB collection (the snapshot store when ``storage.mongodb_uri`` is set), dumped
  document by document (each document is one player's whole snapshot, written atomically);
- a key file under ``data_dir`` (the local encryption key when no keys come from the
  environment), copied byte for byte;
- PostgreSQL tables (``storage.backend = "postgres"``, cluster mode): each store's tables,
  copied with ``COPY`` inside one ``REPEATABLE READ`` transaction (one snapshot of the database
  while the instances write), with each store's schema version and its sequences; the shard
  leases give only their epochs, which restore raises (a stale instance is fenced).
  ``tests/storage/test_pg_backup.py`` creates every store's schema and fails on a table no
  entry here lists.

The order of :data:`STORES` is the backup order, and it matters: the inbox is read first and
the snapshots after it, so every snapshot in a backup covers at least what the inbox copy no
longer holds (the inbox prunes only what a durable snapshot covers), and recovery from the
backup (snapshot + the inbox entries after it) misses nothing the inbox copy acknowledged.
The records come after the snapshots: an effect of an update a snapshot holds is in the copy,
and effects of later updates replayed from the inbox are keyed by update id (applied once).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from enum import Enum

from yabot.config import StorageSettings
from yabot.security.crypto import LOCAL_KEY_FILE
from yabot.storage.inbox import INBOX_FILE_NAME
from yabot.storage.migrations import RECORDS_DB_NAME
from yabot.storage.records.replies import LEGACY_FILE_NAME as LEGACY_REPLIES_FILE
from yabot.storage.snapshots import SQLITE_FILE_NAME as SNAPSHOTS_FILE

ADMIN_FILE = "admin.db"
OPERATIONS_FILE = "operations.db"
BROADCASTS_FILE = "broadcasts.db"
MONGO_SNAPSHOTS_COLLECTION = "snapshots"

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
"""Files SQLite keeps next to a database (WAL, its shared-memory index, a rollback journal)."""

PRE_RESTORE_DIR = "pre-restore-*"
"""Directories ``yabot restore`` writes under ``data_dir``: the data it replaced (a backup)."""

LOCAL_EMULATOR_DIR = "emulator"
"""Under ``data_dir`` in local play (no bot token): the embedded Telegram emulator's own state
(its update id counter, ``yabot.emulator.state``). It plays Telegram, so it is not the bot's
data: never backed up nor restored, and no stray file either."""


class Kind(Enum):
    """How a store is kept, and so how it is backed up."""

    SQLITE = "sqlite"
    MONGO = "mongo"
    KEY = "key"
    POSTGRES = "postgres"


@dataclass(frozen=True, slots=True)
class Store:
    """One durable store.

    Attributes:
        name: Short name used in manifests and messages (``"inbox"``).
        kind: SQLite file, MongoDB collection, key file or PostgreSQL tables.
        location: The file name under ``data_dir`` (SQLite, key) or the collection name.
        role: What it holds.
        owner: The component that writes it (the only writer).
        backup: How ``yabot backup`` copies it and ``yabot restore`` puts it back.
        words: Which of a player's words it may hold, how they are protected and for how long
            (docs/security.md lists the same).
        legacy: Written only by older versions: read once (and emptied) by this one.
        tables: PostgreSQL stores: the tables, in the order restore fills them.
        sequences: PostgreSQL stores: sequences not owned by a column of ``tables`` (those
            are found in the catalog) whose value a restore must carry over.
    """

    name: str
    kind: Kind
    location: str
    role: str
    owner: str
    backup: str
    words: str
    legacy: bool = False
    tables: tuple[str, ...] = ()
    sequences: tuple[str, ...] = ()

    @property
    def is_file(self) -> bool:
        """True when the store is a file under ``data_dir``."""
        return self.kind in (Kind.SQLITE, Kind.KEY)


_SQLITE_BACKUP = (
    "SQLite online backup API (one consistent read while writers go on), integrity_check, "
    "sha256 in the manifest; restore writes it back through the backup API"
)

_PG_BACKUP = (
    "COPY of each table inside the one REPEATABLE READ transaction of the backup (a consistent "
    "snapshot while the instances write), the store's schema version and sequence values in "
    "the manifest; restore creates the schema at that version in an empty database and copies "
    "the rows back, all in one transaction"
)


def _pg(
    name: str,
    tables: tuple[str, ...],
    role: str,
    owner: str,
    words: str,
    sequences: tuple[str, ...] = (),
    backup: str = _PG_BACKUP,
) -> Store:
    return Store(
        name,
        Kind.POSTGRES,
        ", ".join(tables),
        role,
        owner,
        backup,
        words,
        tables=tables,
        sequences=sequences,
    )


STORES: tuple[Store, ...] = (
    Store(
        "inbox",
        Kind.SQLITE,
        INBOX_FILE_NAME,
        "every accepted Telegram update until a durable snapshot covers it, then its update id "
        "for the dedupe retention",
        "ingress (yabot/storage/inbox.py; the webhook process or the bot's process)",
        _SQLITE_BACKUP + "; copied first (see the module docs)",
        "the update payload (a free-text answer included) until a snapshot covers it, "
        "minutes; then only its update id, for the dedupe retention (48 h)",
    ),
    _pg(
        "inbox",
        ("inbox_entries", "inbox_meta"),
        "PostgreSQL backend: every accepted update, per shard in arrival order (seq), until a "
        "durable snapshot covers it; then its update id for the dedupe retention",
        "ingress on any instance (yabot/storage/postgres/inbox.py); the shard's owner consumes",
        "the update payload, one Fernet token, until a snapshot covers it (minutes)",
        sequences=("inbox_seq",),
    ),
    Store(
        "snapshots",
        Kind.SQLITE,
        SNAPSHOTS_FILE,
        "each player's state (story position, signature, economy mirror) as of an update id",
        "SnapshotWriter (yabot/storage/snapshots/writer.py), for the player actors",
        _SQLITE_BACKUP + "; restore first checks that the keys in force decrypt every state",
        "none in clear: each state is one Fernet token (the signature is numbers, not text)",
    ),
    Store(
        "snapshots",
        Kind.MONGO,
        MONGO_SNAPSHOTS_COLLECTION,
        "each player's state, when storage.mongodb_uri is set (instead of snapshots.sqlite3)",
        "SnapshotWriter (yabot/storage/snapshots/writer.py), for the player actors",
        "every document dumped as BSON (snapshots.bson, a snapshot session when the server "
        "offers one; each document is a whole snapshot, written atomically); restore checks "
        "that the keys in force decrypt every state, then replaces the collection",
        "none in clear: each state is one Fernet token",
    ),
    _pg(
        "snapshots",
        ("snapshots",),
        "PostgreSQL backend without storage.mongodb_uri: each player's state",
        "SnapshotWriter (yabot/storage/snapshots/postgres.py), fenced by the shard's lease",
        "none in clear: each state is one Fernet token",
    ),
    Store(
        "records",
        Kind.SQLITE,
        RECORDS_DB_NAME,
        "ledger, records, subscriptions, payments, the event outbox and the reply outbox",
        "the player actors' records transaction (yabot/storage/records/)",
        _SQLITE_BACKUP + "; the records schema version goes into the manifest",
        "no player text: the reply outbox holds the bot's own messages until Telegram took "
        "them (seconds); events carry ids and numbers",
    ),
    _pg(
        "records",
        (
            "profiles",
            "subscriptions",
            "ledger",
            "wallets",
            "payments",
            "items",
            "admins",
            "audit",
            "outbox",
            "job_runs",
            "replies",
        ),
        "PostgreSQL backend: ledger, wallets, payments, subscriptions, items, audit, job runs, "
        "the event outbox and the reply outbox",
        "the shard owner's records transaction (yabot/storage/postgres/records.py)",
        "no player text (as records.db)",
    ),
    Store(
        "replies_legacy",
        Kind.SQLITE,
        LEGACY_REPLIES_FILE,
        "the reply outbox of records schema < 4, moved into records.db when the bot opens it",
        "nobody since schema v4 (read once by yabot/storage/records/replies.py)",
        _SQLITE_BACKUP + "; a leftover is moved aside when a newer backup is restored",
        "the bot's own messages only",
        legacy=True,
    ),
    Store(
        "admin",
        Kind.SQLITE,
        ADMIN_FILE,
        "admin accounts (scrypt hashes) and the audit log",
        "the admin API (yabot/api/admin_store.py)",
        _SQLITE_BACKUP,
        "none",
    ),
    _pg(
        "admin",
        ("api_admins", "api_audit"),
        "PostgreSQL backend: admin accounts (scrypt hashes) and the audit log",
        "the admin API of every instance (yabot/api/pg_admin_store.py)",
        "none",
    ),
    Store(
        "operations",
        Kind.SQLITE,
        OPERATIONS_FILE,
        "first answers of admin operations by Idempotency-Key",
        "the admin API (yabot/api/idempotency.py)",
        _SQLITE_BACKUP,
        "none",
    ),
    _pg(
        "operations",
        ("api_idempotency",),
        "PostgreSQL backend: first answers of admin operations by Idempotency-Key",
        "the admin API of every instance (yabot/api/pg_idempotency.py)",
        "none",
    ),
    Store(
        "broadcasts",
        Kind.SQLITE,
        BROADCASTS_FILE,
        "admin broadcasts and their progress",
        "the admin API (yabot/api/broadcast_store.py)",
        _SQLITE_BACKUP,
        "the admin's broadcast text, not players' words",
    ),
    _pg(
        "broadcasts",
        ("broadcasts", "broadcast_recipients"),
        "PostgreSQL backend: admin broadcasts and their progress",
        "the admin API (yabot/api/pg_broadcast_store.py)",
        "the admin's broadcast text, not players' words",
    ),
    Store(
        "secret_key",
        Kind.KEY,
        LOCAL_KEY_FILE,
        "the local Fernet key, only when YABOT_SECURITY__ENCRYPTION_KEYS is not set",
        "yabot/security/crypto.py (created once, mode 0600)",
        "copied byte for byte (mode 0600); when the keys come from the environment it is not "
        "in the backup and the manifest says so with a warning",
        "none (it is what makes the snapshots readable: keep backups as private as the data)",
    ),
    _pg(
        "cluster_leases",
        ("cluster_members", "shard_leases", "shard_handoffs"),
        "cluster mode: live members, shard leases with epochs, handoffs",
        "yabot/cluster/leases.py (every member)",
        "none",
        backup="only each shard's epoch (read in the backup's transaction); restore writes the "
        "shards free, each at an epoch above every epoch the backup saw (leases and Mongo "
        "snapshots), so no lease of before the backup is valid after it (fencing); members "
        "and handoffs are rebuilt by the members when they start",
    ),
)


def active_stores(settings: StorageSettings, *, cluster: bool = False) -> list[Store]:
    """The stores this configuration writes, in backup order.

    SQLite files with the embedded backend, PostgreSQL tables with ``backend = "postgres"``
    (the shard leases only in cluster mode); snapshots in MongoDB when ``mongodb_uri`` is set;
    the key file always (backup states when the keys come from the environment instead).
    """
    mongo = bool(settings.mongodb_uri)
    store_kind = Kind.POSTGRES if settings.backend == "postgres" else Kind.SQLITE
    chosen = []
    for s in STORES:
        if s.kind in (Kind.SQLITE, Kind.POSTGRES) and s.kind is not store_kind:
            continue
        if s.name == "snapshots" and (s.kind is Kind.MONGO) != mongo:
            continue
        if s.name == "cluster_leases" and not cluster:
            continue
        chosen.append(s)
    return chosen


def postgres_stores() -> list[Store]:
    """Every PostgreSQL store, in backup order."""
    return [s for s in STORES if s.kind is Kind.POSTGRES]


def file_stores() -> list[Store]:
    """Every store kept as a file under ``data_dir``, whatever the configuration."""
    return [s for s in STORES if s.is_file]


def store_of_file(relative: str) -> Store | None:
    """The store a path under ``data_dir`` (POSIX, relative) belongs to, or None.

    A SQLite store owns its ``-wal``/``-shm``/``-journal`` files; anything inside a
    ``pre-restore-*`` directory belongs to the restore that wrote it (see
    :func:`is_restore_leftover`), not to a store.
    """
    name = relative
    for store in file_stores():
        if name == store.location:
            return store
        if store.kind is Kind.SQLITE and any(
            name == store.location + side for side in SQLITE_SIDE_FILES
        ):
            return store
    return None


def is_local_emulator_state(relative: str) -> bool:
    """True for a file of the local emulator's state directory (:data:`LOCAL_EMULATOR_DIR`)."""
    return relative.split("/", 1)[0] == LOCAL_EMULATOR_DIR and "/" in relative


def is_restore_leftover(relative: str) -> bool:
    """True for what ``yabot restore`` keeps under ``data_dir``: a ``pre-restore-*`` backup
    of the data it replaced, and a pre-v4 ``replies.db`` moved aside (``*.replaced-*``)."""
    first = relative.split("/", 1)[0]
    return fnmatch.fnmatch(first, PRE_RESTORE_DIR) or fnmatch.fnmatch(
        first, f"{LEGACY_REPLIES_FILE}.replaced-*"
    )
