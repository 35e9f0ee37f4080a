"""PostgreSQL storage set-up: the backend's configuration, the start-up check, and the
forward-only migration history that concurrent instances apply once."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from yabot.config import ConfigError, load_settings
from yabot.preflight import check_postgres
from yabot.storage.postgres.migrations import PgMigration, SchemaTooNew, applied, migrate
from yabot.storage.postgres.pool import open_pool
from yabot.storage.postgres.records import PgRecords
from yabot.storage.records import LedgerEntry, RecordBatch, RecordsUnavailable

ROOT = Path(__file__).resolve().parents[2]


def settings_with(**env: str) -> object:
    return load_settings(ROOT / "config.toml", env)


def test_the_embedded_default_is_sqlite() -> None:
    settings = load_settings(ROOT / "config.toml", {})
    assert settings.storage.backend == "sqlite" and settings.storage.postgres_dsn is None


def test_postgres_without_a_dsn_is_one_clear_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(ROOT / "config.toml", {"YABOT_STORAGE__BACKEND": "postgres"})
    [line] = str(caught.value).splitlines()
    assert "YABOT_STORAGE__POSTGRES_DSN" in line and "environment" in line


def test_the_dsn_never_comes_from_the_file_nor_shows_in_errors(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\npostgres_dsn = "postgresql://u:hunter2@db/yabot"\n')
    with pytest.raises(ConfigError, match="must come from the environment"):
        load_settings(config, {})
    with pytest.raises(ConfigError) as caught:
        load_settings(ROOT / "config.toml", {"YABOT_STORAGE__POSTGRES_DSN": "hunter2 is no dsn"})
    assert "hunter2" not in str(caught.value)


def test_an_unreachable_server_is_one_line_with_the_password_masked() -> None:
    settings = load_settings(
        ROOT / "config.toml",
        {
            "YABOT_STORAGE__BACKEND": "postgres",
            "YABOT_STORAGE__POSTGRES_DSN": "postgresql://u:hunter2@127.0.0.1:1/yabot",
            "YABOT_STORAGE__POSTGRES_TIMEOUT_S": "2",
        },
    )
    line = check_postgres(settings, probe=True)
    assert line is not None and "\n" not in line
    assert "hunter2" not in line and "storage.postgres_dsn" in line and "***" in line
    assert check_postgres(settings, probe=False) is None


def test_a_reachable_server_passes(pg_dsn: str) -> None:
    settings = load_settings(
        ROOT / "config.toml",
        {"YABOT_STORAGE__BACKEND": "postgres", "YABOT_STORAGE__POSTGRES_DSN": pg_dsn},
    )
    assert check_postgres(settings, probe=True) is None


STEPS = (
    PgMigration(1, "one", ("CREATE TABLE t (id integer PRIMARY KEY)",)),
    PgMigration(2, "two", ("ALTER TABLE t ADD COLUMN name text",)),
)


def test_concurrent_instances_migrate_once_and_later_steps_follow(pg_dsn: str) -> None:
    pools = [open_pool(pg_dsn, max_size=2) for _ in range(4)]
    try:
        errors: list[BaseException] = []

        def run(pool: object) -> None:
            try:
                migrate(pool, "demo", STEPS[:1])  # type: ignore[arg-type]
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(p,)) for p in pools]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert applied(pools[0], "demo") == [(1, "one")]
        assert migrate(pools[0], "demo", STEPS) == 2
        assert applied(pools[0], "demo") == [(1, "one"), (2, "two")]
        assert applied(pools[0], "other") == []  # one history per store
        with pools[0].connection() as conn:
            conn.execute("INSERT INTO t (id, name) VALUES (1, 'x')")
        with pytest.raises(SchemaTooNew, match="version 2"):
            migrate(pools[1], "demo", STEPS[:1])
        with pytest.raises(ValueError, match=r"1\.\.n"):
            migrate(pools[1], "demo", (STEPS[1],))
    finally:
        for pool in pools:
            pool.close()


def test_a_failed_step_applies_nothing_of_itself(pg_dsn: str) -> None:
    pool = open_pool(pg_dsn, max_size=2)
    try:
        broken = (*STEPS, PgMigration(3, "broken", ("ALTER TABLE t ADD COLUMN z int", "nonsense")))
        with pytest.raises(psycopg.errors.SyntaxError):
            migrate(pool, "demo", broken)
        assert applied(pool, "demo") == []  # the whole run is one transaction
        assert migrate(pool, "demo", STEPS) == 2
    finally:
        pool.close()


def test_a_lost_connection_is_unavailable_not_a_failure_and_the_next_batch_works(
    pg_dsn: str,
) -> None:
    pool = open_pool(pg_dsn, min_size=1, max_size=1)
    try:
        records = PgRecords(pool)
        with pool.connection() as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (row[0],))
        batch = RecordBatch(ledger=[LedgerEntry(1, 5, "gift", "g1")])
        with pytest.raises(RecordsUnavailable):
            records.apply(batch)
        assert records.apply(batch).balances == {1: 5}  # the pool replaced the connection
        assert records.apply(batch).replay
    finally:
        pool.close()


def test_pooled_connections_plan_once_and_keep_the_dsns_own_options(pg_dsn: str) -> None:
    """Prepared statements use generic plans (made once per connection, not at every call);
    options the operator put in the DSN still apply."""
    for dsn, search_path in (
        (pg_dsn, None),
        (f"{pg_dsn}{'&' if '?' in pg_dsn else '?'}options=-c%20search_path%3Dyabot_x", "yabot_x"),
    ):
        pool = open_pool(dsn, max_size=1)
        try:
            with pool.connection() as conn:
                assert conn.execute("SHOW plan_cache_mode").fetchone() == ("force_generic_plan",)
                if search_path is not None:
                    assert conn.execute("SHOW search_path").fetchone() == (search_path,)
        finally:
            pool.close()
