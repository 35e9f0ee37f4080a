"""Online, consistent backups of the SQLite databases under ``data_dir``, and restore.

``backup`` copies every ``*.db`` with SQLite's backup API in a single step, which reads one
consistent snapshot while other connections keep writing (WAL lets them). The copies are
checked with ``PRAGMA integrity_check`` and written with a ``manifest.json`` into a new
directory, renamed into place only when complete.

``restore`` needs the bot stopped: it refuses when any database under ``data_dir`` is open
by another connection. The current databases are first backed up to
``data_dir/pre-restore-<time>`` so a restore never loses data either.

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
from pathlib import Path

from yabot.config import Settings
from yabot.observability.logging import get_logger
from yabot.storage.migrations import RECORDS_DB_NAME, current_version
from yabot.storage.records.replies import LEGACY_FILE_NAME as LEGACY_REPLIES
from yabot.storage.sqlite_util import connect

MANIFEST = "manifest.json"
FORMAT = 1

log = get_logger(__name__)


class BackupError(RuntimeError):
    """A backup or restore could not be done; nothing was changed."""


def _databases(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.glob("*.db") if p.is_file())


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
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()


def backup(settings: Settings, path: Path) -> Path:
    """Write a consistent copy of every ``*.db`` under ``data_dir`` to the directory ``path``.

    Safe while the bot runs and writes. ``path`` must not exist yet.

    Returns:
        ``path``.

    Raises:
        BackupError: ``path`` exists, there is no database, or a copy fails its check.
    """
    data_dir = Path(settings.storage.data_dir)
    target = Path(path)
    if target.exists():
        raise BackupError(f"backup target {target} already exists; choose a new path")
    sources = _databases(data_dir)
    if not sources:
        raise BackupError(f"no SQLite databases (*.db) under {data_dir}")
    staging = target.with_name(f".{target.name}.partial-{time.time_ns()}")
    staging.mkdir(parents=True)
    try:
        files = []
        for source in sources:
            copy = staging / source.name
            try:
                _copy_online(source, copy, settings.storage.sqlite_busy_timeout_ms)
            except sqlite3.Error as exc:
                raise BackupError(f"cannot back up {source.name}: {exc}") from exc
            check = _integrity(copy)
            if check != "ok":
                raise BackupError(f"backup copy of {source.name} failed integrity_check: {check}")
            files.append(
                {"name": source.name, "bytes": copy.stat().st_size, "sha256": _sha256(copy)}
            )
        records = staging / RECORDS_DB_NAME
        schema = None
        if records.exists():
            conn = sqlite3.connect(records)
            try:
                schema = current_version(conn)
            finally:
                conn.close()
        manifest = {
            "format": FORMAT,
            "created_at": time.time(),
            "files": files,
            "records_schema_version": schema,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("backup_written", path=str(target), databases=[f["name"] for f in files])
    return target


def _read_manifest(path: Path) -> list[str]:
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{path} is not a YABOT backup (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r}")
    names: list[str] = []
    for entry in manifest["files"]:
        name = entry["name"]
        copy = path / name
        if not copy.is_file():
            raise BackupError(f"backup is missing {name}")
        if _sha256(copy) != entry["sha256"]:
            raise BackupError(f"backup file {name} does not match its checksum")
        check = _integrity(copy)
        if check != "ok":
            raise BackupError(f"backup file {name} failed integrity_check: {check}")
        names.append(name)
    return names


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


def restore(settings: Settings, path: Path) -> list[str]:
    """Replace the databases under ``data_dir`` with those of the backup at ``path``.

    The bot must be stopped. The current databases are backed up first to
    ``data_dir/pre-restore-<unix time>``.

    Returns:
        The names of the restored databases.

    Raises:
        BackupError: The backup is invalid, or a database under ``data_dir`` is in use.
    """
    source = Path(path)
    names = _read_manifest(source)
    data_dir = Path(settings.storage.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    current = _databases(data_dir)
    for database in current:
        _refuse_if_in_use(database)
    if current:
        safety = backup(settings, data_dir / f"pre-restore-{int(time.time())}")
        log.info("restore_safety_backup", path=str(safety))
    for name in names:
        dst = connect(data_dir / name, busy_timeout_ms=settings.storage.sqlite_busy_timeout_ms)
        src = sqlite3.connect(f"file:{source / name}?mode=ro", uri=True)
        try:
            src.backup(dst)
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            src.close()
            dst.close()
        check = _integrity(data_dir / name)
        if check != "ok":
            raise BackupError(f"restored {name} failed integrity_check: {check}")
    legacy = data_dir / LEGACY_REPLIES
    if LEGACY_REPLIES not in names and legacy.exists():
        replaced = f"{LEGACY_REPLIES}.replaced-{int(time.time())}"
        for suffix in ("", "-wal", "-shm"):
            part = data_dir / (LEGACY_REPLIES + suffix)
            if part.exists():
                part.rename(data_dir / (replaced + suffix))
        log.info("restore_moved_stale_replies", path=str(data_dir / replaced))
    log.info("restore_done", path=str(source), databases=names)
    return names
