"""The records store's PostgreSQL schema: forward-only, one history (``store = 'records'``).

The tables mirror ``records.db`` (yabot/storage/migrations.py) with PostgreSQL types: times
stay epoch seconds (``double precision``) so both adapters return the same values.
"""

from __future__ import annotations

from yabot.storage.postgres.migrations import PgMigration

STORE = "records"

MIGRATIONS: tuple[PgMigration, ...] = (
    PgMigration(
        1,
        "records, wallets, outbox, job runs and the reply outbox",
        (
            """CREATE TABLE profiles (
                user_id bigint PRIMARY KEY,
                first_name text NOT NULL DEFAULT '',
                username text,
                language_code text,
                role text NOT NULL DEFAULT 'player',
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL)""",
            """CREATE TABLE subscriptions (
                user_id bigint PRIMARY KEY,
                tier text NOT NULL,
                status text NOT NULL,
                started_at double precision NOT NULL,
                ends_at double precision,
                source text NOT NULL,
                updated_at double precision NOT NULL)""",
            "CREATE INDEX subscriptions_by_end ON subscriptions (status, ends_at)",
            """CREATE TABLE ledger (
                id bigserial PRIMARY KEY,
                user_id bigint NOT NULL,
                amount bigint NOT NULL CHECK (amount <> 0),
                reason text NOT NULL,
                idempotency_key text NOT NULL UNIQUE,
                balance_after bigint NOT NULL CHECK (balance_after >= 0),
                created_at double precision NOT NULL,
                correlation_id text)""",
            "CREATE INDEX ledger_by_user ON ledger (user_id, id)",
            """CREATE TABLE wallets (
                user_id bigint PRIMARY KEY,
                balance bigint NOT NULL CHECK (balance >= 0),
                updated_at double precision NOT NULL)""",
            """CREATE TABLE payments (
                telegram_payment_charge_id text PRIMARY KEY,
                user_id bigint NOT NULL,
                amount bigint NOT NULL,
                currency text NOT NULL,
                payload text NOT NULL DEFAULT '',
                status text NOT NULL CHECK (status IN ('paid', 'refunded')),
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL)""",
            "CREATE INDEX payments_by_user ON payments (user_id)",
            """CREATE TABLE items (
                id bigserial PRIMARY KEY,
                user_id bigint NOT NULL,
                item text NOT NULL,
                source_key text NOT NULL UNIQUE,
                created_at double precision NOT NULL)""",
            "CREATE INDEX items_by_user ON items (user_id, item)",
            """CREATE TABLE admins (
                username text PRIMARY KEY,
                password_hash text NOT NULL,
                role text NOT NULL DEFAULT 'admin',
                created_at double precision NOT NULL,
                disabled boolean NOT NULL DEFAULT false)""",
            """CREATE TABLE audit (
                id bigserial PRIMARY KEY,
                who text NOT NULL,
                action text NOT NULL,
                target text NOT NULL DEFAULT '',
                details text NOT NULL DEFAULT '{}',
                at double precision NOT NULL,
                idempotency_key text UNIQUE)""",
            """CREATE TABLE outbox (
                seq bigserial PRIMARY KEY,
                event_id text NOT NULL UNIQUE,
                type text NOT NULL,
                user_id bigint,
                created_at double precision NOT NULL,
                body text NOT NULL,
                size integer NOT NULL,
                status text NOT NULL CHECK (status IN ('pending', 'sent', 'local')),
                sent_at double precision)""",
            "CREATE INDEX outbox_by_status ON outbox (status, seq)",
            """CREATE TABLE job_runs (
                job_key text PRIMARY KEY,
                ran_at double precision NOT NULL)""",
            """CREATE TABLE replies (
                id bigserial PRIMARY KEY,
                dedupe_key text NOT NULL UNIQUE,
                update_id bigint NOT NULL,
                chat_id bigint,
                method text NOT NULL,
                params text NOT NULL,
                user_id bigint,
                seq bigint,
                shard integer,
                sent_at double precision)""",
            "CREATE INDEX replies_unsent ON replies (shard, id) WHERE sent_at IS NULL",
            "CREATE INDEX replies_sent_by_player ON replies (user_id, seq)"
            " WHERE sent_at IS NOT NULL",
            "CREATE INDEX replies_sent_age ON replies (sent_at) WHERE sent_at IS NOT NULL",
        ),
    ),
    PgMigration(
        2,
        "payments: a rejected status (a payment for no invoice YABOT issued, kept to refund)",
        (
            "ALTER TABLE payments DROP CONSTRAINT payments_status_check",
            "ALTER TABLE payments ADD CONSTRAINT payments_status_check"
            " CHECK (status IN ('paid', 'refunded', 'rejected'))",
        ),
    ),
)
