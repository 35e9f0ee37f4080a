"""The reply outbox in records.db: replies are stored by their batch's transaction or not at
all, a replay stores nothing (on every adapter, see conftest.py), and replies pending in a
pre-v4 replies.db survive the upgrade."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from yabot.config import Settings
from yabot.events.models import BesitosCredited, Event, make_event
from yabot.storage.migrations import migrate
from yabot.storage.records import (
    InsufficientFunds,
    LedgerEntry,
    OutboxFull,
    OutgoingReply,
    PaymentRefund,
    RecordBatch,
    RecordsDb,
    RecordsError,
    UnknownPayment,
)
from yabot.storage.records.base import RecordsStore
from yabot.storage.records.replies import stored_params
from yabot.storage.replies import SYSTEM_REPLY, ReplyOutbox
from yabot.storage.sqlite_util import connect

# The schema of replies.db as YABOT wrote it before records schema v4.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    update_id INTEGER NOT NULL,
    chat_id INTEGER,
    method TEXT NOT NULL,
    params TEXT NOT NULL
)
"""


def say(key: str, text: str, update_id: int | None = 7, chat_id: int = 70) -> OutgoingReply:
    return OutgoingReply(key, update_id, chat_id, "sendMessage", {"chat_id": chat_id, "text": text})


def _pending_gauge() -> float:
    return REGISTRY.get_sample_value("yabot_replies_pending") or 0.0


def _stored_total() -> float:
    return REGISTRY.get_sample_value("yabot_replies_stored_total") or 0.0


def test_a_batch_stores_its_replies_with_its_records_and_a_replay_stores_none(
    records: RecordsStore,
) -> None:
    stored_before = _stored_total()
    batch = RecordBatch(
        ledger=[LedgerEntry(7, 10, "daily reward", "7:daily")],
        replies=[say("7:0", "+10 besitos"), say("7:1", "balance 10")],
    )
    first = records.apply(batch)
    assert records.balance(7) == 10
    assert len(first.reply_ids) == 2 and None not in first.reply_ids
    pending = records.replies_pending()
    assert [(r.id, r.dedupe_key, r.params["text"]) for r in pending] == [
        (first.reply_ids[0], "7:0", "+10 besitos"),
        (first.reply_ids[1], "7:1", "balance 10"),
    ]
    assert (pending[0].update_id, pending[0].chat_id, pending[0].method) == (7, 70, "sendMessage")
    assert _stored_total() == stored_before + 2
    assert _pending_gauge() == 2

    again = records.apply(batch)
    assert again.reply_ids == [None, None], "a replayed update stores (and sends) nothing"
    assert again.replay
    assert len(records.replies_pending()) == 2
    assert _stored_total() == stored_before + 2


def test_stored_replies_are_found_by_key_sent_or_not_as_stored(records: RecordsStore) -> None:
    replies = [
        OutgoingReply(f"u9.1:{i}", 9, 70, "sendMessage", {"chat_id": 70, "text": text}, 70, 1)
        for i, text in enumerate(["héllo", "two"])
    ]
    first = records.apply(RecordBatch(replies=replies))
    records.replies_done([first.reply_ids[0]])  # type: ignore[list-item]
    assert [r.dedupe_key for r in records.replies_pending()] == ["u9.1:1"]
    found = records.replies_stored(["u9.1:0", "u9.1:1", "u9.1:2", "other:0"])
    params = stored_params({"chat_id": 70, "text": "héllo"})
    assert found == {
        "u9.1:0": ("sendMessage", params),  # sent: kept until a snapshot covers its entry
        "u9.1:1": ("sendMessage", stored_params({"chat_id": 70, "text": "two"})),
    }
    assert records.replies_stored([]) == {}


def test_done_forgets_replies_and_the_gauge_follows(records: RecordsStore) -> None:
    outbox = ReplyOutbox(records)
    ids = [outbox.put(f"k{i}", 1, 70, "sendMessage", {"text": str(i)}) for i in range(3)]
    assert None not in ids
    assert outbox.put("k1", 1, 70, "sendMessage", {"text": "again"}) is None
    assert _pending_gauge() == 3
    outbox.done([i for i in ids[:2] if i is not None])
    assert [r.dedupe_key for r in outbox.pending()] == ["k2"]
    assert _pending_gauge() == 1
    outbox.done([])
    outbox.close()  # the records database owns the connection: it stays usable
    assert [r.params for r in records.replies_pending()] == [{"text": "2"}]


def test_replies_no_update_caused_are_stored_under_the_system_id(records: RecordsStore) -> None:
    records.apply(RecordBatch(replies=[say("expire:7:2026-11-26:0", "VIP ended", update_id=None)]))
    assert [r.update_id for r in records.replies_pending()] == [SYSTEM_REPLY]


def _refused_batches() -> list[tuple[type[RecordsError], RecordBatch]]:
    return [
        (
            InsufficientFunds,
            RecordBatch(
                ledger=[LedgerEntry(7, -5, "hint", "7:hint")], replies=[say("7:0", "hint bought")]
            ),
        ),
        (
            UnknownPayment,
            RecordBatch(refunds=[PaymentRefund("nope")], replies=[say("8:0", "refunded")]),
        ),
    ]


@pytest.mark.parametrize("case", range(2))
def test_a_refused_batch_stores_none_of_its_replies(records: RecordsStore, case: int) -> None:
    error, batch = _refused_batches()[case]
    with pytest.raises(error):
        records.apply(batch)
    assert records.replies_pending() == []
    records.apply(RecordBatch(replies=[say("9:0", "still works")]))
    assert [r.dedupe_key for r in records.replies_pending()] == ["9:0"]


def test_a_group_commit_rolls_back_only_the_refused_batchs_replies(records: RecordsStore) -> None:
    ok = RecordBatch(ledger=[LedgerEntry(1, 3, "gift", "1:gift")], replies=[say("1:0", "+3")])
    refused = _refused_batches()[0][1]
    later = RecordBatch(replies=[say("2:0", "hello")])
    outcomes = records.apply_many([ok, refused, later])
    assert isinstance(outcomes[1], InsufficientFunds)
    assert [r.dedupe_key for r in records.replies_pending()] == ["1:0", "2:0"]


def test_a_group_with_stored_and_new_events_and_replies_gets_each_ones_outcome(
    records: RecordsStore,
) -> None:
    # Several batches share one transaction: each still learns, row by row, which of its
    # events and replies were new (with their reply ids) and which were stored already, even
    # when two batches of the group carry the same event or reply key.
    def event(key: str) -> Event:
        return make_event(
            BesitosCredited(amount=1, reason="t", balance_after=1), user_id=1, idempotency_key=key
        )

    first = records.apply(RecordBatch(events=[event("e1")], replies=[say("1:0", "one")]))
    (stored_id,) = first.reply_ids
    outcomes = records.apply_many(
        [
            RecordBatch(
                events=[event("e1"), event("e2")], replies=[say("1:0", "one"), say("2:0", "two")]
            ),
            RecordBatch(
                events=[event("e2"), event("e3")], replies=[say("2:0", "x"), say("3:0", "3")]
            ),
        ]
    )
    a, b = outcomes
    assert not isinstance(a, RecordsError) and not isinstance(b, RecordsError)
    assert (a.events_written, b.events_written) == (1, 1)
    assert [d.split(":")[0] for d in a.duplicates] == ["event"]
    assert [d.split(":")[0] for d in b.duplicates] == ["event"]
    assert a.reply_ids[0] is None and b.reply_ids[0] is None
    new_ids = [a.reply_ids[1], b.reply_ids[1]]
    assert None not in new_ids and stored_id not in new_ids
    pending = {r.id: r.dedupe_key for r in records.replies_pending()}
    assert pending == {stored_id: "1:0", new_ids[0]: "2:0", new_ids[1]: "3:0"}


def test_a_batch_refused_for_the_outbox_budget_stores_none_of_its_replies(
    open_records: Callable[..., RecordsStore],
) -> None:
    db = open_records(outbox_mode="relay", outbox_budget_bytes=1)
    try:
        event = make_event(
            BesitosCredited(amount=1, reason="t", balance_after=1), user_id=1, idempotency_key="e"
        )
        with pytest.raises(OutboxFull):
            db.apply(RecordBatch(events=[event], replies=[say("1:0", "+1")]))
        assert db.replies_pending() == []
    finally:
        db.close()


def _old_replies_db(path: Path) -> sqlite3.Connection:
    """A replies.db as the pre-v4 ReplyOutbox left it: 3 stored, the first one sent."""
    conn = connect(path, busy_timeout_ms=1000)
    conn.execute(OLD_SCHEMA)
    for i, text in enumerate(["sent before the upgrade", "owed 1", "owed 2"]):
        conn.execute(
            "INSERT INTO replies (dedupe_key, update_id, chat_id, method, params) "
            "VALUES (?, ?, ?, ?, ?)",
            (f"50{i}:0", 500 + i, 70, "sendMessage", json.dumps({"chat_id": 70, "text": text})),
        )
    conn.execute("DELETE FROM replies WHERE dedupe_key = '500:0'")
    conn.commit()
    return conn


def _v3_records(data: Path) -> None:
    conn = connect(data / "records.db", busy_timeout_ms=1000)
    migrate(conn, target=3)
    conn.close()


def test_replies_pending_in_an_old_replies_db_survive_the_upgrade(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings.model_validate({"storage": {"data_dir": str(data)}})
    _v3_records(data)
    # Copied while the old process still has it open, as a SIGKILL leaves it: the rows are
    # in replies.db-wal, not yet in replies.db.
    old = _old_replies_db(tmp_path / "old" / "replies.db")
    for name in ("replies.db", "replies.db-wal", "replies.db-shm"):
        shutil.copy(tmp_path / "old" / name, data / name)
    old.close()
    assert (data / "replies.db-wal").stat().st_size > 0

    records = RecordsDb.open(settings)
    try:
        pending = records.replies_pending()
        assert [(r.dedupe_key, r.update_id, r.params["text"]) for r in pending] == [
            ("501:0", 501, "owed 1"),
            ("502:0", 502, "owed 2"),
        ]
        assert _pending_gauge() == 2
        # A replayed update still finds its reply stored and sends nothing again.
        assert records.apply(RecordBatch(replies=[say("501:0", "owed 1")])).reply_ids == [None]
    finally:
        records.close()
    assert not (data / "replies.db").exists()
    assert (data / "replies.db.migrated").is_file()
    assert not (data / "replies.db-wal").exists()

    # Imported once: reopening after the replies were sent brings nothing back.
    records = RecordsDb.open(settings)
    try:
        records.replies_done([r.id for r in records.replies_pending()])
    finally:
        records.close()
    records = RecordsDb.open(settings)
    try:
        assert records.replies_pending() == []
    finally:
        records.close()


def test_a_crash_before_the_old_file_is_renamed_imports_nothing_twice(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings.model_validate({"storage": {"data_dir": str(data)}})
    _v3_records(data)
    _old_replies_db(data / "replies.db").close()
    shutil.copy(data / "replies.db", tmp_path / "replies.copy")
    RecordsDb.open(settings).close()
    shutil.copy(tmp_path / "replies.copy", data / "replies.db")  # as if the rename never ran
    records = RecordsDb.open(settings)
    try:
        assert [r.dedupe_key for r in records.replies_pending()] == ["501:0", "502:0"]
    finally:
        records.close()
    assert not (data / "replies.db").exists()


def test_only_open_with_settings_looks_for_an_old_replies_db(tmp_path: Path) -> None:
    _old_replies_db(tmp_path / "replies.db").close()
    records = RecordsDb(tmp_path / "records.db")
    try:
        assert records.replies_pending() == []
    finally:
        records.close()
    assert (tmp_path / "replies.db").exists()
