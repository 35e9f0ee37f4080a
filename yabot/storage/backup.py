"""Online, consistent backups of every durable store (:mod:`yabot.storage.registry`), and restore.

``backup`` goes through the registry's stores in order: each SQLite file is copied with
SQLite's backup API in one step (one consistent read while the bot keeps writing; WAL lets
it), checked with ``PRAGMA integrity_check``; the MongoDB snapshot collection is dumped as BSON
(``snapshots.bson``); the local encryption key is copied. When the keys come from the
environment the backup cannot hold them: the manifest says so and a warning is logged and
returned. Everything goes into a new directory (0700, files 0600) with a ``manifest.json``,
renamed into place only when complete.

``restore`` needs the bot stopped: it refuses when any database under ``data_dir`` is open by
another connection. Before changing anything it checks that the keys the bot will run with
(the environment's, else the backup's ``secret.key``) decrypt every snapshot in the backup,
and refuses with one line if not. The data it replaces is first backed up to
``data_dir/pre-restore-<time>``, so a restore never loses data either.

With ``storage.backend = "postgres"`` (cluster mode) the PostgreSQL stores are copied inside
one ``REPEATABLE READ`` transaction while the instances serve, and restored into an empty
database with the shard epochs raised (:mod:`yabot.storage.pg_backup`).

Pending replies live in ``records.db`` (schema v4 on), so they are copied in the same
snapshot as the records they report. A backup taken before v4 also holds ``replies.db``:
restored, it is moved into ``records.db`` when the bot next opens it. Restoring a newer
backup moves a leftover ``replies.db`` aside, so replies of the replaced state are not sent.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bson

from yabot.config import Settings
from yabot.observability.logging import get_logger
from yabot.security.crypto import (
    ENV_NAME,
    LOCAL_KEY_FILE,
    DecryptionError,
    Encryptor,
    parse_keys,
)
from yabot.storage.migrations import RECORDS_DB_NAME, current_version
from yabot.storage.records.replies import LEGACY_FILE_NAME as LEGACY_REPLIES
from yabot.storage.registry import (
    STORES,
    Kind,
    Store,
    active_stores,
    is_local_emulator_state,
    is_restore_leftover,
    store_of_file,
)
from yabot.storage.snapshots import SQLITE_FILE_NAME as SNAPSHOTS_FILE
from yabot.storage.sqlite_util import connect, private_dir, private_file

if TYPE_CHECKING:
    from yabot.storage.postgres.migrations import PgMigration

MANIFEST = "manifest.json"
FORMAT = 2
MONGO_DUMP = "snapshots.bson"
KEY_NOT_INCLUDED = (
    f"the encryption keys come from the environment ({ENV_NAME}) and are NOT in this "
    "backup: keep them safe apart from it, or the backup's snapshots are unreadable"
)

log = get_logger(__name__)


class BackupError(RuntimeError):
    """A backup or restore could not be done; nothing was changed."""


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    return "; ".join(str(r[0]) for r in rows)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_online(source: Path, target: Path, busy_timeout_ms: int) -> None:
    src = sqlite3.connect(source, timeout=busy_timeout_ms / 1000)
    private_file(target)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()


def _mongo_store(settings: Settings) -> Any:
    from yabot.storage.snapshots.mongo import MongoSnapshotStore

    return MongoSnapshotStore.from_settings(settings.storage)


def _dump_mongo(settings: Settings, target: Path) -> dict[str, Any]:
    from yabot.storage.snapshots import SnapshotStoreError

    store = _mongo_store(settings)
    count = 0
    try:
        documents, one_session = store.export_documents()
        private_file(target)
        with target.open("wb") as handle:
            for doc in documents:
                handle.write(bson.encode(doc))
                count += 1
    except SnapshotStoreError as exc:
        raise BackupError(f"cannot back up the MongoDB snapshots: {exc}") from None
    finally:
        store.close()
    return {"documents": count, "snapshot_session": one_session}


def _read_bson(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        yield from bson.decode_file_iter(handle)


def _copy_key(source: Path, target: Path) -> None:
    private_file(target)
    target.write_bytes(source.read_bytes())


def _env_keys(settings: Settings) -> list[str]:
    secret = settings.security.encryption_keys
    return parse_keys(secret.get_secret_value()) if secret is not None else []


def backup(settings: Settings, path: Path) -> Path:
    """Write a consistent copy of every store of :mod:`yabot.storage.registry` to ``path``.

    Safe while the bot runs and writes. ``path`` must not exist yet. The manifest lists each
    store's files with checksums, the records schema and where the encryption key is.

    Returns:
        ``path``.

    Raises:
        BackupError: ``path`` exists, there is nothing to back up, or a copy fails its check.
    """
    data_dir = Path(settings.storage.data_dir)
    target = Path(path)
    if target.exists():
        raise BackupError(f"backup target {target} already exists; choose a new path")
    stores = active_stores(settings.storage, cluster=settings.cluster.enabled)
    on_postgres = settings.storage.backend == "postgres"
    if not on_postgres and not any(
        (data_dir / s.location).is_file() for s in stores if s.kind is Kind.SQLITE
    ):
        raise BackupError(f"no YABOT data under {data_dir}")
    staging = target.with_name(f".{target.name}.partial-{time.time_ns()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir(mode=0o700)
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {target}: {_one_line(exc)}") from None
    warnings = [
        f"{name} under {data_dir} belongs to no store of yabot/storage/registry.py: not backed up"
        for name in undeclared_files(data_dir)
    ]
    postgres: list[dict[str, Any]] = []
    try:
        files: list[dict[str, Any]] = []
        if on_postgres:
            files.extend(_back_up_postgres(settings, stores, staging, warnings, postgres))
        else:
            for store in stores:
                files.extend(_back_up_store(settings, store, staging, warnings))
        if on_postgres and not postgres:
            raise BackupError("no YABOT tables in the PostgreSQL database")
        records = staging / RECORDS_DB_NAME
        schema = None
        if records.exists():
            conn = sqlite3.connect(records)
            try:
                schema = current_version(conn)
            finally:
                conn.close()
        env_keys = bool(_env_keys(settings))
        manifest = {
            "format": FORMAT,
            "created_at": time.time(),
            "files": files,
            "stores": [
                {"name": s.name, "kind": s.kind.value, "location": s.location, "backup": s.backup}
                for s in stores
            ],
            "backend": settings.storage.backend,
            "snapshot_store": "mongo"
            if settings.storage.mongodb_uri
            else ("postgres" if on_postgres else "sqlite"),
            "records_schema_version": schema,
            "encryption_key": {
                "source": "environment" if env_keys else "secret.key",
                "included": any(f["store"] == "secret_key" for f in files),
            },
            "warnings": warnings,
        }
        if on_postgres:
            manifest["postgres"] = postgres
        manifest_path = private_file(staging / MANIFEST)
        manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for warning in warnings:
        log.warning("BACKUP_WARNING", path=str(target), detail=warning)
    log.info("backup_written", path=str(target), files=[f["name"] for f in files])
    return target


def _back_up_postgres(
    settings: Settings,
    stores: list[Store],
    staging: Path,
    warnings: list[str],
    section: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The stores of ``backend = "postgres"`` in registry order: the PostgreSQL ones inside one
    snapshot transaction (two when the Mongo snapshots come between the inbox and the rest)."""
    import psycopg  # the cluster extra: the embedded bot runs without it

    from yabot.storage import pg_backup

    files: list[dict[str, Any]] = []
    try:
        with pg_backup.connect(settings) as conn:
            snap: pg_backup.Snapshot | None = None
            for store in stores:
                if store.kind is Kind.POSTGRES:
                    snap = snap or pg_backup.Snapshot(conn)
                    copied, entry = pg_backup.back_up_store(snap, store, staging, _sha256)
                    files.extend(copied)
                    if entry is not None:
                        section.append(entry)
                    continue
                if snap is not None and store.kind is Kind.MONGO:
                    snap.close()
                    snap = None
                files.extend(_back_up_store(settings, store, staging, warnings))
            if snap is not None:
                snap.close()
    except pg_backup.PgBackupError as exc:
        raise BackupError(str(exc)) from None
    except psycopg.Error as exc:
        raise BackupError(f"cannot back up the PostgreSQL stores: {_one_line(exc)}") from None
    return files


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def undeclared_files(data_dir: Path) -> list[str]:
    """Paths under ``data_dir`` (relative, POSIX) that no store of the registry explains."""
    found = []
    for path in sorted(Path(data_dir).rglob("*")):
        relative = path.relative_to(data_dir).as_posix()
        if (
            path.is_file()
            and not is_restore_leftover(relative)
            and not is_local_emulator_state(relative)
            and store_of_file(relative) is None
        ):
            found.append(relative)
    return found


def _back_up_store(
    settings: Settings, store: Store, staging: Path, warnings: list[str]
) -> list[dict[str, Any]]:
    data_dir = Path(settings.storage.data_dir)
    copy = staging / store.location
    extra: dict[str, Any] = {}
    if store.kind is Kind.SQLITE:
        source = data_dir / store.location
        if not source.is_file():
            return []
        try:
            _copy_online(source, copy, settings.storage.sqlite_busy_timeout_ms)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot back up {source.name}: {exc}") from exc
        check = _integrity(copy)
        if check != "ok":
            raise BackupError(f"backup copy of {source.name} failed integrity_check: {check}")
    elif store.kind is Kind.MONGO:
        copy = staging / MONGO_DUMP
        extra = _dump_mongo(settings, copy)
    else:
        source = data_dir / store.location
        if _env_keys(settings):
            warnings.append(KEY_NOT_INCLUDED)
            return []
        if not source.is_file():
            warnings.append(f"no {store.location} under {data_dir}: the backup holds no key")
            return []
        _copy_key(source, copy)
    entry = {
        "name": copy.name,
        "store": store.name,
        "kind": store.kind.value,
        "bytes": copy.stat().st_size,
        "sha256": _sha256(copy),
    }
    return [entry | extra]


def read_manifest(path: Path) -> dict[str, Any]:
    """Read and verify a backup: every listed file present, checksums and SQLite integrity.

    Raises:
        BackupError: Not a YABOT backup, an unknown format, or a file missing or damaged.
    """
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{path} is not a YABOT backup (no {MANIFEST})")
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:  # JSONDecodeError and UnicodeDecodeError are both
        raise BackupError(f"{manifest_path} is damaged: {_one_line(exc)}") from None
    if not isinstance(manifest, dict):
        raise BackupError(f"{manifest_path} is damaged: not a JSON object")
    if manifest.get("format") not in (1, FORMAT):
        raise BackupError(f"unsupported backup format {manifest.get('format')!r}")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(e, dict) and isinstance(e.get("name"), str) and "sha256" in e for e in files
    ):
        raise BackupError(f"{manifest_path} is damaged: its file list is not a list of files")
    for entry in files:
        name = entry["name"]
        copy = path / name
        if not copy.is_file():
            raise BackupError(f"backup is missing {name}")
        if _sha256(copy) != entry["sha256"]:
            raise BackupError(f"backup file {name} does not match its checksum")
        if entry.get("kind", "sqlite") == "sqlite":
            check = _integrity(copy)
            if check != "ok":
                raise BackupError(f"backup file {name} failed integrity_check: {check}")
    return manifest


def _refuse_if_in_use(database: Path) -> None:
    """Refuse when another connection has ``database`` open.

    A WAL database's journal mode can only be switched when no other connection has it open;
    for any other mode, an exclusive lock is only refused while someone reads or writes.
    """
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
        if mode == "wal":
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA journal_mode = WAL")
        else:
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise BackupError(f"{database} is in use ({exc}): stop the bot before restoring") from None
    finally:
        conn.close()


def _snapshot_states(source: Path, names: set[str]) -> Iterator[tuple[str, bytes]]:
    if SNAPSHOTS_FILE in names:
        conn = sqlite3.connect(f"file:{source / SNAPSHOTS_FILE}?mode=ro", uri=True)
        try:
            for key, state in conn.execute("SELECT key, state FROM snapshots"):
                yield str(key), bytes(state)
        finally:
            conn.close()
    if MONGO_DUMP in names:
        for doc in _read_bson(source / MONGO_DUMP):
            yield str(doc["_id"]), bytes(doc["s"])


def _check_keys(settings: Settings, source: Path, names: set[str]) -> str:
    """Check that the keys the restored bot will use decrypt every snapshot in the backup.

    Returns:
        Which keys those are (for the log).

    Raises:
        BackupError: One line naming the keys and the first snapshot they cannot read.
    """
    label, encryptor = _restore_keys(settings, source, names)
    checked = _decrypt_all(label, encryptor, _snapshot_states(source, names))
    return f"{label} ({checked} snapshots decrypted)"


def _restore_keys(
    settings: Settings, source: Path, names: set[str]
) -> tuple[str, Encryptor | None]:
    """The keys the restored bot will run with (the environment's, else the backup's key
    file, else the one in ``data_dir``), and how to name them in a message."""
    env = _env_keys(settings)
    key_file = LOCAL_KEY_FILE
    if env:
        label = f"the keys in {ENV_NAME}"
        keys: list[str | bytes] = list(env)
    elif key_file in names:
        label = f"the backup's {key_file}"
        keys = [(source / key_file).read_bytes().strip()]
    elif (Path(settings.storage.data_dir) / key_file).is_file():
        label = f"the {key_file} already in {settings.storage.data_dir}"
        keys = [(Path(settings.storage.data_dir) / key_file).read_bytes().strip()]
    else:
        label, keys = "no key (none in the backup or the environment)", []
    try:
        return label, (Encryptor(keys) if keys else None)
    except ValueError as exc:
        raise BackupError(f"restore refused: {label}: {exc}") from None


def _decrypt_all(
    label: str, encryptor: Encryptor | None, states: Iterable[tuple[str, bytes]]
) -> int:
    """How many of ``states`` ``encryptor`` decrypts: all, or :class:`BackupError`."""
    checked = 0
    for key, state in states:
        try:
            if encryptor is None:
                raise DecryptionError("no key")
            encryptor.decrypt_bytes(state)
        except DecryptionError:
            raise BackupError(
                f"restore refused: {label} cannot decrypt the backup's snapshot {key!r}; "
                "nothing was changed"
            ) from None
        checked += 1
    return checked


def _existing_data(settings: Settings) -> bool:
    data_dir = Path(settings.storage.data_dir)
    if any((data_dir / s.location).is_file() for s in STORES if s.is_file):
        return True
    if settings.storage.mongodb_uri:
        store = _mongo_store(settings)
        try:
            return bool(store.count())
        finally:
            store.close()
    return False


PgSchemas = tuple[Mapping[str, Sequence["PgMigration"]], Sequence[str]]
"""Each PostgreSQL store's migrations and the shard leases' DDL (``yabot.pg_schemas``)."""


def restore(settings: Settings, path: Path, pg_schemas: PgSchemas | None = None) -> list[str]:
    """Replace the stores of this configuration with those of the backup at ``path``.

    The bot must be stopped. The keys it will run with must decrypt every snapshot of the
    backup. The current data is backed up first to ``data_dir/pre-restore-<unix time>``.
    A backup of the PostgreSQL stores is restored into an empty database (and an empty
    Mongo collection); ``pg_schemas`` (:func:`yabot.pg_schemas.restore_schemas`) creates
    their tables.

    Returns:
        The names of the restored files.

    Raises:
        BackupError: The backup is invalid, its snapshots do not fit this configuration or
            cannot be decrypted, or a database under ``data_dir`` is in use.
    """

    source = Path(path)
    manifest = read_manifest(source)
    names = [str(entry["name"]) for entry in manifest["files"]]
    present = set(names)
    if MONGO_DUMP in present and not settings.storage.mongodb_uri:
        raise BackupError(
            "the backup's snapshots come from MongoDB but storage.mongodb_uri is not set: "
            "configure it to restore them"
        )
    if SNAPSHOTS_FILE in present and settings.storage.mongodb_uri:
        raise BackupError(
            f"the backup's snapshots are in {SNAPSHOTS_FILE} but storage.mongodb_uri is set: "
            "unset it to restore them"
        )
    backend = str(manifest.get("backend", "sqlite"))
    if backend != settings.storage.backend:
        raise BackupError(
            f"the backup holds the stores of storage.backend = {backend!r} but this "
            f"configuration uses {settings.storage.backend!r}: configure the same backend"
        )
    if backend == "postgres":
        if pg_schemas is None:
            raise BackupError("restoring PostgreSQL stores needs their schemas")
        return _restore_postgres(settings, source, manifest, present, pg_schemas)
    keys = _check_keys(settings, source, present)
    data_dir = private_dir(settings.storage.data_dir)
    for store in STORES:
        database = data_dir / store.location
        if store.kind is Kind.SQLITE and database.is_file():
            _refuse_if_in_use(database)
    if _existing_data(settings):
        safety = backup(settings, data_dir / f"pre-restore-{int(time.time())}")
        log.info("restore_safety_backup", path=str(safety))
    for name in names:
        if name == MONGO_DUMP:
            _restore_mongo(settings, source / name)
        elif name == LOCAL_KEY_FILE:
            _copy_key(source / name, data_dir / name)
        else:
            _restore_sqlite(settings, source / name, data_dir / name)
    legacy = data_dir / LEGACY_REPLIES
    if LEGACY_REPLIES not in present and legacy.exists():
        replaced = f"{LEGACY_REPLIES}.replaced-{int(time.time())}"
        for suffix in ("", "-wal", "-shm"):
            part = data_dir / (LEGACY_REPLIES + suffix)
            if part.exists():
                part.rename(data_dir / (replaced + suffix))
        log.info("restore_moved_stale_replies", path=str(data_dir / replaced))
    log.info("restore_done", path=str(source), files=names, keys=keys)
    return names


def _restore_postgres(
    settings: Settings,
    source: Path,
    manifest: dict[str, Any],
    present: set[str],
    schemas: PgSchemas,
) -> list[str]:
    """Restore a ``backend = "postgres"`` backup into an empty database (and collection).

    Every check comes before the first write: the keys against the Mongo dump, the database
    and the collection empty; the PostgreSQL snapshots are checked inside the restore's one
    transaction, so a refusal leaves the database as it was.
    """

    import psycopg  # the cluster extra: the embedded bot runs without it

    from yabot.storage import pg_backup

    label, encryptor = _restore_keys(settings, source, present)
    checked = _decrypt_all(label, encryptor, _snapshot_states(source, present))
    data_dir = Path(settings.storage.data_dir)
    key_copy = source / LOCAL_KEY_FILE
    key_here = data_dir / LOCAL_KEY_FILE
    if (
        LOCAL_KEY_FILE in present
        and key_here.is_file()
        and key_here.read_bytes() != key_copy.read_bytes()
    ):
        raise BackupError(f"{key_here} holds another key than the backup's: move it away first")
    epoch_floor = 0
    if MONGO_DUMP in present:
        epoch_floor = max((int(d.get("e", 0)) for d in _read_bson(source / MONGO_DUMP)), default=0)
        mongo = _mongo_store(settings)
        try:
            if mongo.count():
                raise BackupError(
                    "the MongoDB snapshot collection is not empty: restore needs an empty one"
                )
        finally:
            mongo.close()
    migrations, leases_schema = schemas

    def check(states: Iterator[tuple[str, bytes]]) -> None:
        nonlocal checked
        checked += _decrypt_all(label, encryptor, states)

    try:
        restored = pg_backup.restore(
            settings,
            source,
            manifest.get("postgres", []),
            migrations,
            leases_schema,
            epoch_floor=epoch_floor,
            check_snapshots=check,
        )
    except pg_backup.PgBackupError as exc:
        raise BackupError(str(exc)) from None
    except psycopg.Error as exc:
        raise BackupError(f"cannot restore the PostgreSQL stores: {_one_line(exc)}") from None
    if MONGO_DUMP in present:
        _restore_mongo(settings, source / MONGO_DUMP)
    if LOCAL_KEY_FILE in present:
        private_dir(data_dir)
        _copy_key(key_copy, key_here)
    names = sorted(present)
    log.info(
        "restore_done",
        path=str(source),
        files=names,
        rows=restored,
        keys=f"{label} ({checked} snapshots decrypted)",
    )
    return names


def _restore_mongo(settings: Settings, dump: Path) -> None:
    from yabot.storage.snapshots import SnapshotStoreError

    store = _mongo_store(settings)
    try:
        count = store.replace_documents(_read_bson(dump))
    except SnapshotStoreError as exc:
        raise BackupError(f"cannot restore the MongoDB snapshots: {exc}") from None
    finally:
        store.close()
    log.info("restore_mongo_snapshots", documents=count)


def _restore_sqlite(settings: Settings, copy: Path, target: Path) -> None:
    dst = connect(target, busy_timeout_ms=settings.storage.sqlite_busy_timeout_ms)
    src = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        src.backup(dst)
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        src.close()
        dst.close()
    check = _integrity(target)
    if check != "ok":
        raise BackupError(f"restored {target.name} failed integrity_check: {check}")


def manifest_warnings(path: Path) -> list[str]:
    """The warnings a backup's manifest carries (for the CLI to print)."""
    try:
        data = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(w) for w in data.get("warnings", [])]


__all__ = [
    "BackupError",
    "backup",
    "manifest_warnings",
    "read_manifest",
    "restore",
    "undeclared_files",
]
