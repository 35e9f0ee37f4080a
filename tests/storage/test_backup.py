"""Online backup while writes continue, and restore."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pymongo import MongoClient

from yabot.api.admin_store import SqliteAdminStore
from yabot.config import Settings
from yabot.security.crypto import LOCAL_KEY_FILE, Encryptor, load_encryptor
from yabot.storage.backup import (
    KEY_NOT_INCLUDED,
    BackupError,
    backup,
    manifest_warnings,
    restore,
)
from yabot.storage.inbox import INBOX_FILE_NAME, open_inbox
from yabot.storage.migrations import HEAD_VERSION, RECORDS_DB_NAME, migrate
from yabot.storage.records import LedgerEntry, OutgoingReply, RecordBatch, RecordsDb
from yabot.storage.registry import ADMIN_FILE
from yabot.storage.snapshots import SQLITE_FILE_NAME as SNAPSHOTS_FILE
from yabot.storage.snapshots import Snapshot
from yabot.storage.snapshots.mongo import MongoSnapshotStore
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore
from yabot.storage.sqlite_util import connect


def _settings(data_dir: Path) -> Settings:
    return Settings.model_validate({"storage": {"data_dir": str(data_dir)}})


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


KEY = Fernet.generate_key()


def _encrypted_settings(data_dir: Path, key: bytes = KEY) -> Settings:
    return Settings.model_validate(
        {"storage": {"data_dir": str(data_dir)}, "security": {"encryption_keys": key.decode()}}
    )


def _snapshot(n: int, key: bytes = KEY) -> Snapshot:
    state = Encryptor([key]).encrypt_bytes(f"state {n}".encode())
    return Snapshot(f"user:{n % 5}", n // 5 + 1, n, state, float(n))


def test_backup_under_writes_is_consistent_and_restores(tmp_path: Path) -> None:
    """Every store of the registry is written while the backup runs; each comes back."""
    data = tmp_path / "data"
    settings = _settings(data)
    records = RecordsDb.open(settings)
    encryptor = load_encryptor(settings)  # writes the local secret.key
    inbox = open_inbox(settings, encryptor)
    snapshots = SqliteSnapshotStore(data / SNAPSHOTS_FILE, busy_timeout_ms=2000)
    admin = SqliteAdminStore(data / ADMIN_FILE)
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        while not stop.is_set():
            n = written[0]
            reply = OutgoingReply(f"w{n}", n, n % 5, "sendMessage", {"text": f"+1 ({n})"})
            records.apply(
                RecordBatch(ledger=[LedgerEntry(n % 5, 1, "w", f"w{n}")], replies=[reply])
            )
            inbox.append(900_000_000 + n, n % 5, b"{}", float(n))
            state = encryptor.encrypt_bytes(f"state {n}".encode())
            snap = Snapshot(f"user:{n % 5}", n // 5 + 1, n, state, float(n))
            assert snapshots.save_many([snap])[0].saved
            written[0] = n + 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 200:
            stop.wait(0.01)
        target = backup(settings, tmp_path / "bk")
        at_backup = written[0]
        while written[0] < at_backup + 100:
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join()
    expected = {ADMIN_FILE, INBOX_FILE_NAME, LOCAL_KEY_FILE, RECORDS_DB_NAME, SNAPSHOTS_FILE}
    assert {p.name for p in target.iterdir()} == expected | {"manifest.json"}
    for copy in target.iterdir():
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600, copy.name
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["records_schema_version"] == HEAD_VERSION
    assert manifest["encryption_key"] == {"source": "secret.key", "included": True}
    assert manifest["warnings"] == []

    with pytest.raises(BackupError, match="stop the bot"):
        restore(settings, target)
    final_writes = written[0]
    for store in (records, inbox, snapshots, admin):
        store.close()

    restore(settings, target)
    restored = RecordsDb.open(settings)
    try:
        total = sum(restored.balance(u) for u in range(5))
        entries = sum(len(restored.movements(u, limit=10_000)) for u in range(5))
        assert 200 <= total == entries < final_writes
        keys = set()
        for user in range(5):
            moves = restored.movements(user, limit=10_000)
            assert restored.balance(user) == sum(m.amount for m in moves)
            keys |= {m.idempotency_key for m in moves}
        # The replies are in the same snapshot as the records they report: no more, no less.
        assert {r.dedupe_key for r in restored.replies_pending()} == keys
    finally:
        restored.close()
    inbox = open_inbox(settings)  # with the restored secret.key
    try:
        in_inbox = inbox.count()
    finally:
        inbox.close()
    # The inbox is copied first, the records after it: never more inbox than records.
    assert 200 <= in_inbox <= total
    snapshots = SqliteSnapshotStore(data / SNAPSHOTS_FILE, busy_timeout_ms=2000)
    key = Encryptor([(data / LOCAL_KEY_FILE).read_bytes().strip()])
    try:
        latest = [snapshots.load(f"user:{u}") for u in range(5)]
    finally:
        snapshots.close()
    assert all(s is not None for s in latest)
    # Snapshots are copied after the inbox: each covers at least what the inbox copy lost.
    for snap in latest:
        assert snap is not None
        assert key.decrypt_bytes(snap.state) == f"state {snap.seq}".encode()
        assert snap.seq >= in_inbox - 5
    safety = list(data.glob("pre-restore-*"))
    assert len(safety) == 1 and (safety[0] / "records.db").exists()
    assert (safety[0] / INBOX_FILE_NAME).exists() and (safety[0] / SNAPSHOTS_FILE).exists()


def test_environment_keys_are_not_copied_and_the_manifest_says_so(tmp_path: Path) -> None:
    settings = _encrypted_settings(tmp_path / "data")
    store = SqliteSnapshotStore(tmp_path / "data" / SNAPSHOTS_FILE, busy_timeout_ms=2000)
    store.save_many([_snapshot(1)])
    store.close()
    target = backup(settings, tmp_path / "bk")
    assert not (target / LOCAL_KEY_FILE).exists()
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["encryption_key"] == {"source": "environment", "included": False}
    assert manifest_warnings(target) == [KEY_NOT_INCLUDED]
    assert KEY.decode() not in "".join(p.read_bytes().decode("latin-1") for p in target.iterdir())


def test_restore_refuses_a_backup_its_keys_cannot_decrypt(tmp_path: Path) -> None:
    settings = _encrypted_settings(tmp_path / "data")
    store = SqliteSnapshotStore(tmp_path / "data" / SNAPSHOTS_FILE, busy_timeout_ms=2000)
    store.save_many([_snapshot(3)])
    store.close()
    target = backup(settings, tmp_path / "bk")
    other = _encrypted_settings(tmp_path / "elsewhere", Fernet.generate_key())
    with pytest.raises(BackupError) as refused:
        restore(other, target)
    message = str(refused.value)
    assert "\n" not in message and "cannot decrypt" in message and "user:3" in message
    assert not (tmp_path / "elsewhere").exists()  # nothing was changed
    assert restore(settings.model_copy(), target) == [SNAPSHOTS_FILE]
    # A local key in the backup is the one that must decrypt (no keys in the environment).
    local = _settings(tmp_path / "local")
    load_encryptor(local)  # generates the local key; the snapshot below is under another
    local_store = SqliteSnapshotStore(tmp_path / "local" / SNAPSHOTS_FILE, busy_timeout_ms=2000)
    local_store.save_many([_snapshot(4)])
    local_store.close()
    with pytest.raises(BackupError, match=r"the backup's secret\.key cannot decrypt"):
        restore(_settings(tmp_path / "fresh"), backup(local, tmp_path / "bk-local"))


def test_mongo_snapshots_are_dumped_and_restored(tmp_path: Path, mongodb_uri: str) -> None:
    source_db, target_db = (f"yabot_bk_{uuid.uuid4().hex[:10]}" for _ in range(2))

    def mongo_settings(data_dir: Path, database: str) -> Settings:
        return Settings.model_validate(
            {
                "storage": {
                    "data_dir": str(data_dir),
                    "mongodb_uri": mongodb_uri,
                    "mongodb_database": database,
                },
                "security": {"encryption_keys": KEY.decode()},
            }
        )

    settings = mongo_settings(tmp_path / "data", source_db)
    RecordsDb.open(settings).close()
    store = MongoSnapshotStore(mongodb_uri, database=source_db, timeout_ms=5000)
    try:
        assert all(o.saved for o in store.save_many([_snapshot(n) for n in range(5)]))
        target = backup(settings, tmp_path / "bk")
        assert (target / "snapshots.bson").is_file()
        assert not (target / SNAPSHOTS_FILE).exists()
        with pytest.raises(BackupError, match="mongodb_uri is not set"):
            restore(_encrypted_settings(tmp_path / "plain"), target)
        restored_settings = mongo_settings(tmp_path / "restored", target_db)
        restore(restored_settings, target)
        copy = MongoSnapshotStore(mongodb_uri, database=target_db, timeout_ms=5000)
        try:
            for n in range(5):
                assert copy.load(f"user:{n}") == store.load(f"user:{n}")
        finally:
            copy.close()
    finally:
        store.close()
        with MongoClient(mongodb_uri) as client:
            client.drop_database(source_db)
            client.drop_database(target_db)


def test_backup_refuses_to_overwrite_and_restore_refuses_a_tampered_copy(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data")
    records = RecordsDb.open(settings)
    records.apply(RecordBatch(ledger=[LedgerEntry(1, 3, "x", "k")]))
    records.close()
    target = backup(settings, tmp_path / "bk")
    with pytest.raises(BackupError, match="already exists"):
        backup(settings, target)
    with (target / "records.db").open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"garbage")
    with pytest.raises(BackupError, match="checksum"):
        restore(settings, target)
    with pytest.raises(BackupError, match="not a YABOT backup"):
        restore(settings, tmp_path)


def test_a_file_that_is_not_a_database_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / RECORDS_DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BackupError, match=r"records\.db"):
        backup(_settings(data), tmp_path / "bk")
    assert not (tmp_path / "bk").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_a_file_no_store_declares_is_named_in_the_warnings(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data")
    RecordsDb.open(settings).close()
    (tmp_path / "data" / "stray.db").write_bytes(b"x")
    target = backup(settings, tmp_path / "bk")
    assert not (target / "stray.db").exists()
    assert any("stray.db" in w for w in manifest_warnings(target))


def test_the_local_emulators_state_is_no_stray_file(tmp_path: Path) -> None:
    """Local play (no token) keeps the embedded emulator's update id counter under
    ``data_dir/emulator``: not the bot's data, so a backup neither copies nor warns about it."""
    settings = _settings(tmp_path / "data")
    RecordsDb.open(settings).close()
    (tmp_path / "data" / "emulator").mkdir()
    (tmp_path / "data" / "emulator" / "update_ids.json").write_text('{"next": 40}')
    target = backup(settings, tmp_path / "bk")
    assert not (target / "update_ids.json").exists()
    assert not [w for w in manifest_warnings(target) if "update_ids" in w]


@pytest.mark.parametrize(
    "manifest", ["{", "[]", '{"format": 2}', '{"format": 2, "files": [{"nom": 1}]}', "\udcff"]
)
def test_a_damaged_manifest_is_one_line(tmp_path: Path, manifest: str) -> None:
    """`yabot restore` of a backup whose manifest.json is damaged: a BackupError (one line,
    exit 1), not a JSONDecodeError / KeyError traceback."""
    settings = _settings(tmp_path / "data")
    RecordsDb.open(settings).close()
    target = backup(settings, tmp_path / "bk")
    (target / "manifest.json").write_bytes(manifest.encode("utf-8", "surrogateescape"))
    with pytest.raises(BackupError, match="manifest"):
        restore(_settings(tmp_path / "elsewhere"), target)


def test_a_target_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data")
    RecordsDb.open(settings).close()
    (tmp_path / "a-file").write_text("x")
    for where in (tmp_path / "a-file" / "bk", Path("/proc/yabot-no-such-dir/bk")):
        with pytest.raises(BackupError, match="cannot write the backup"):
            backup(settings, where)


def _old_layout(data: Path, owed: list[str]) -> None:
    """A data dir as YABOT left it before records schema v4: replies in their own file."""
    conn = connect(data / "records.db", busy_timeout_ms=1000)
    migrate(conn, target=3)
    conn.close()
    old = connect(data / "replies.db", busy_timeout_ms=1000)
    old.execute(
        "CREATE TABLE replies (id INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_key TEXT NOT NULL "
        "UNIQUE, update_id INTEGER NOT NULL, chat_id INTEGER, method TEXT NOT NULL, "
        "params TEXT NOT NULL)"
    )
    for i, text in enumerate(owed):
        old.execute(
            "INSERT INTO replies (dedupe_key, update_id, chat_id, method, params) "
            "VALUES (?, ?, 70, 'sendMessage', ?)",
            (f"{i}:0", i, json.dumps({"chat_id": 70, "text": text})),
        )
    old.commit()
    old.close()


def test_a_backup_from_before_v4_brings_back_its_pending_replies(tmp_path: Path) -> None:
    old_settings = _settings(tmp_path / "old")
    _old_layout(tmp_path / "old", ["owed at backup time"])
    target = backup(old_settings, tmp_path / "bk")
    assert sorted(p.name for p in target.glob("*.db")) == ["records.db", "replies.db"]

    settings = _settings(tmp_path / "data")
    RecordsDb.open(settings).close()  # an upgraded bot ran here
    restore(settings, target)
    records = RecordsDb.open(settings)
    try:
        assert [r.params["text"] for r in records.replies_pending()] == ["owed at backup time"]
    finally:
        records.close()
    assert not (tmp_path / "data" / "replies.db").exists()


def test_restoring_a_v4_backup_moves_a_leftover_replies_db_aside(tmp_path: Path) -> None:
    source = _settings(tmp_path / "new")
    records = RecordsDb.open(source)
    reply = OutgoingReply("9:0", 9, 70, "sendMessage", {"text": "owed at backup time"})
    records.apply(RecordBatch(replies=[reply]))
    records.close()
    target = backup(source, tmp_path / "bk")
    assert sorted(p.name for p in target.glob("*.db")) == ["records.db"]

    data = tmp_path / "data"
    _old_layout(data, ["owed by the state the restore replaces"])  # upgraded, never started
    settings = _settings(data)
    restore(settings, target)
    assert not (data / "replies.db").exists()
    assert len(list(data.glob("replies.db.replaced-*"))) == 1
    safety = list(data.glob("pre-restore-*"))
    assert len(safety) == 1 and (safety[0] / "replies.db").exists()
    records = RecordsDb.open(settings)
    try:
        assert [r.params["text"] for r in records.replies_pending()] == ["owed at backup time"]
    finally:
        records.close()
