"""Online backup while writes continue, and restore."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from yabot.config import Settings
from yabot.storage.backup import BackupError, backup, restore
from yabot.storage.migrations import HEAD_VERSION, migrate
from yabot.storage.records import LedgerEntry, OutgoingReply, RecordBatch, RecordsDb
from yabot.storage.sqlite_util import connect


def _settings(data_dir: Path) -> Settings:
    return Settings.model_validate({"storage": {"data_dir": str(data_dir)}})


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_backup_under_writes_is_consistent_and_restores(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = _settings(data)
    records = RecordsDb.open(settings)
    other = connect(data / "inbox.db", busy_timeout_ms=2000)
    other.execute("CREATE TABLE entries (k INTEGER PRIMARY KEY)")
    other.commit()
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        while not stop.is_set():
            n = written[0]
            reply = OutgoingReply(f"w{n}", n, n % 5, "sendMessage", {"text": f"+1 ({n})"})
            records.apply(
                RecordBatch(ledger=[LedgerEntry(n % 5, 1, "w", f"w{n}")], replies=[reply])
            )
            other.execute("INSERT INTO entries (k) VALUES (?)", (n,))
            other.commit()
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
    assert sorted(p.name for p in target.glob("*.db")) == ["inbox.db", "records.db"]
    for copy in target.glob("*.db"):
        assert _integrity(copy) == "ok"
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["records_schema_version"] == HEAD_VERSION

    with pytest.raises(BackupError, match="stop the bot"):
        restore(settings, target)
    final_writes = written[0]
    records.close()
    other.close()

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
    conn = sqlite3.connect(data / "inbox.db")
    assert 200 <= conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] < final_writes
    conn.close()
    safety = list(data.glob("pre-restore-*"))
    assert len(safety) == 1 and (safety[0] / "records.db").exists()


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
    (data / "broken.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BackupError, match=r"broken\.db"):
        backup(_settings(data), tmp_path / "bk")
    assert not (tmp_path / "bk").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


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
