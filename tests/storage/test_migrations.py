"""Migrations apply from an empty database and from every earlier schema version."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from yabot.config import Settings
from yabot.storage.migrations import (
    HEAD_VERSION,
    MIGRATIONS,
    SchemaTooNew,
    current_version,
    migrate,
    migrate_all,
)
from yabot.storage.records import RecordsDb
from yabot.storage.sqlite_util import connect


def _seed_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO profiles (user_id, first_name, role, created_at, updated_at) "
        "VALUES (1, 'Ana', 'vip', 1.0, 1.0)"
    )
    for i, (amount, after) in enumerate([(30, 30), (-10, 20), (5, 25)]):
        conn.execute(
            "INSERT INTO ledger (user_id, amount, reason, idempotency_key, balance_after, "
            "created_at) VALUES (1, ?, 'seed', ?, ?, ?)",
            (amount, f"seed:{i}", after, float(i)),
        )
    conn.execute(
        "INSERT INTO ledger (user_id, amount, reason, idempotency_key, balance_after, "
        "created_at) VALUES (2, 4, 'seed', 'seed:u2', 4, 9.0)"
    )
    conn.execute(
        "INSERT INTO payments (telegram_payment_charge_id, user_id, amount, currency, "
        "status, created_at, updated_at) VALUES ('ch-1', 1, 250, 'XTR', 'paid', 1.0, 1.0)"
    )


def _seed_v2(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO job_runs (job_key, ran_at) VALUES ('expire:1', 5.0)")


def _seed_v3(conn: sqlite3.Connection) -> None:
    # From v3 on, every ledger write keeps the wallet in step: so does this seed for the
    # entries the earlier seeds wrote at this version.
    conn.execute(
        "INSERT OR REPLACE INTO wallets (user_id, balance, updated_at) "
        "SELECT l.user_id, l.balance_after, l.created_at FROM ledger l "
        "WHERE l.id = (SELECT MAX(id) FROM ledger WHERE user_id = l.user_id)"
    )
    conn.execute(
        "INSERT INTO ledger (user_id, amount, reason, idempotency_key, balance_after, "
        "created_at) VALUES (3, 12, 'seed', 'seed:u3', 12, 10.0)"
    )
    conn.execute("INSERT INTO wallets (user_id, balance, updated_at) VALUES (3, 12, 10.0)")


def _seed_v4(conn: sqlite3.Connection) -> None:
    # A reply stored before v5 (no player, no seq, no sent mark): still pending after it.
    conn.execute(
        "INSERT INTO replies (dedupe_key, update_id, chat_id, method, params) "
        "VALUES ('77:0', 77, 1, 'sendMessage', '{\"chat_id\":1,\"text\":\"hi\"}')"
    )


def _seed_v5(conn: sqlite3.Connection) -> None:
    # A refunded payment before v6 rebuilt the table: kept with its status.
    conn.execute(
        "INSERT INTO payments (telegram_payment_charge_id, user_id, amount, currency, "
        "status, created_at, updated_at) VALUES ('ch-5', 1, 100, 'XTR', 'refunded', 5.0, 6.0)"
    )


SEEDS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _seed_v1,
    2: _seed_v2,
    3: _seed_v3,
    4: _seed_v4,
    5: _seed_v5,
}


def test_every_version_has_a_seed_so_no_migration_goes_untested() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, HEAD_VERSION + 1))
    assert set(SEEDS) == set(range(1, HEAD_VERSION))


def test_from_empty_database(tmp_path: Path) -> None:
    conn = connect(tmp_path / "records.db", busy_timeout_ms=1000)
    assert migrate(conn) == HEAD_VERSION
    assert current_version(conn) == HEAD_VERSION
    assert migrate(conn) == 0
    conn.close()


@pytest.mark.parametrize("start", range(1, HEAD_VERSION))
def test_from_every_earlier_version_data_survives(tmp_path: Path, start: int) -> None:
    path = tmp_path / "records.db"
    conn = connect(path, busy_timeout_ms=1000)
    migrate(conn, target=start)
    assert current_version(conn) == start
    for version in range(1, start + 1):
        SEEDS[version](conn)
    conn.commit()
    assert migrate(conn) == HEAD_VERSION - start
    conn.close()

    records = RecordsDb(path)
    try:
        profile = records.profile(1)
        assert profile is not None and profile.role == "vip"
        assert records.balance(1) == 25  # wallets backfilled from the last ledger entry
        assert records.balance(2) == 4
        assert [m.amount for m in records.movements(1)] == [5, -10, 30]
        payment = records.payment("ch-1")
        assert payment is not None and payment.amount == 250
        if start >= 2:
            assert records.job_ran_at("expire:1") == 5.0
        if start >= 3:
            assert records.balance(3) == 12
        if start >= 5:
            refunded = records.payment("ch-5")
            assert refunded is not None and refunded.status == "refunded"
        pending = records.replies_pending()
        if start >= 4:  # a reply stored by v4 is still sent after v5, then deleted once sent
            assert [(r.dedupe_key, r.update_id) for r in pending] == [("77:0", 77)]
            records.replies_done([pending[0].id])
            assert records.replies_pending() == []
            assert records.replies_forget_covered([], sent_before=1e12) == 0  # deleted at once
        else:
            assert pending == []
    finally:
        records.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "records.db", busy_timeout_ms=1000)
    migrate(conn)
    conn.execute("INSERT INTO schema_version VALUES (?, 'from the future', 0)", (HEAD_VERSION + 1,))
    conn.commit()
    with pytest.raises(SchemaTooNew, match="newer than this YABOT"):
        migrate(conn)
    conn.close()


def test_migrate_all_uses_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.model_validate({"storage": {"data_dir": str(tmp_path / "data")}})
    assert migrate_all(settings) == HEAD_VERSION
    assert migrate_all(settings) == 0
    assert (tmp_path / "data" / "records.db").exists()
