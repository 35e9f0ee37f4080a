"""The records store's PostgreSQL schema: forward-only, one history (``store = 'records'``).

The tables mirror ``records.db`` (yabot/storage/migrations.py) with PostgreSQL types: times
stay epoch seconds (``double precision``) so both adapters return the same values.
"""

from __future__ import annotations

from yabot.storage.postgres.migrations import PgMigration

STORE = "records"
INSUFFICIENT_FUNDS = "YB001"  # SQLSTATE of records_write's refusal of an overdraft

_RECORDS_WRITE_3 = f"""CREATE FUNCTION records_write(p jsonb) RETURNS jsonb
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_ours integer[];
                v_refused integer[] := '{{}}';
                v_ledger jsonb[] := '{{}}';
                v_events jsonb;
                v_replies jsonb;
                g record;
                v_balance bigint;
                v_after bigint;
                v_user bigint;
                v_amount bigint;
                v_stored bigint;
            BEGIN
                IF jsonb_typeof(p->'l') = 'array' THEN
                    SELECT coalesce(array_agg(h.shard ORDER BY h.shard), '{{}}') INTO v_ours
                      FROM (SELECT l.shard FROM shard_leases l
                              JOIN jsonb_array_elements(p->'l') AS w(x)
                                ON l.shard = (w.x->>0)::integer AND l.owner = w.x->>1
                               AND l.epoch = (w.x->>2)::bigint
                             WHERE l.expires_at > now()
                             ORDER BY l.shard FOR KEY SHARE OF l) AS h;
                    SELECT coalesce(array_agg(DISTINCT (w.x->>0)::integer), '{{}}')
                      INTO v_refused
                      FROM jsonb_array_elements(p->'w') AS w(x)
                     WHERE NOT ((w.x->>1)::integer = ANY(v_ours));
                END IF;
                FOR g IN SELECT (x->>0)::integer AS b, (x->>1)::bigint AS u,
                                (x->>2)::bigint AS amount, x->>3 AS reason, x->>4 AS key,
                                (x->>5)::double precision AS at, x->>6 AS corr
                           FROM jsonb_array_elements(p->'g') WITH ORDINALITY AS t(x, i)
                          ORDER BY i LOOP
                    IF g.b = ANY(v_refused) THEN
                        v_ledger := v_ledger || 'null'::jsonb;
                        CONTINUE;
                    END IF;
                    -- The player's wallet locked first: a concurrent writer of the same key
                    -- has committed by the time the lock is ours, so the lookup sees it.
                    INSERT INTO wallets AS w (user_id, balance, updated_at)
                        VALUES (g.u, 0, g.at)
                        ON CONFLICT (user_id) DO UPDATE SET balance = w.balance
                        RETURNING balance INTO v_balance;
                    SELECT user_id, amount, balance_after INTO v_user, v_amount, v_stored
                      FROM ledger WHERE idempotency_key = g.key;
                    IF FOUND THEN
                        IF v_user <> g.u OR v_amount <> g.amount THEN
                            SELECT coalesce(max(balance), 0) INTO v_balance
                              FROM wallets WHERE user_id = v_user;
                        END IF;
                        v_ledger := v_ledger
                            || jsonb_build_array(v_user, v_amount, v_stored, true, v_balance);
                        CONTINUE;
                    END IF;
                    v_after := v_balance + g.amount;
                    IF v_after < 0 THEN
                        RAISE EXCEPTION USING ERRCODE = '{INSUFFICIENT_FUNDS}',
                            MESSAGE = g.u || ' ' || v_balance || ' ' || -g.amount;
                    END IF;
                    INSERT INTO ledger (user_id, amount, reason, idempotency_key,
                                        balance_after, created_at, correlation_id)
                        VALUES (g.u, g.amount, g.reason, g.key, v_after, g.at, g.corr);
                    UPDATE wallets SET balance = v_after, updated_at = g.at
                     WHERE user_id = g.u;
                    v_ledger := v_ledger
                        || jsonb_build_array(g.u, g.amount, v_after, false, v_after);
                END LOOP;
                WITH stored AS (
                    INSERT INTO outbox (event_id, type, user_id, created_at, body, size, status)
                        SELECT x->>1, x->>2, (x->>3)::bigint, (x->>4)::double precision,
                               x->>5, (x->>6)::integer, p->>'s'
                          FROM jsonb_array_elements(p->'e') WITH ORDINALITY AS t(x, i)
                         WHERE NOT ((x->>0)::integer = ANY(v_refused))
                         ORDER BY i
                        ON CONFLICT (event_id) DO NOTHING RETURNING event_id)
                SELECT coalesce(jsonb_agg(event_id), '[]') INTO v_events FROM stored;
                WITH stored AS (
                    INSERT INTO replies (dedupe_key, update_id, chat_id, method, params,
                                         user_id, seq, shard)
                        SELECT x->>1, (x->>2)::bigint, (x->>3)::bigint, x->>4, x->>5,
                               (x->>6)::bigint, (x->>7)::bigint, (x->>8)::integer
                          FROM jsonb_array_elements(p->'r') WITH ORDINALITY AS t(x, i)
                         WHERE NOT ((x->>0)::integer = ANY(v_refused))
                         ORDER BY i
                        ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id)
                SELECT coalesce(jsonb_agg(jsonb_build_array(dedupe_key, id)), '[]')
                  INTO v_replies FROM stored;
                RETURN jsonb_build_object('o', to_jsonb(v_ours), 'g', to_jsonb(v_ledger),
                                          'e', v_events, 'r', v_replies);
            END
            $fn$"""


def _with_sent_marks(function: str) -> str:
    """``records_write`` (migration 3) that also marks replies sent (migration 4): see
    :data:`MIGRATIONS`. Migration 3's text is extended, not copied."""
    extended = (
        function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        .replace(_DECLARE_ANCHOR, _DECLARE_ANCHOR + _MARKS_DECLARE, 1)
        .replace(_RETURN_ANCHOR, _MARKS_BLOCK + _RETURN_WITH_MARKS, 1)
    )
    assert extended.count("v_mark_ids") > 3, "records_write's text moved: update the anchors"
    return extended


_DECLARE_ANCHOR = "                v_stored bigint;\n"
_MARKS_DECLARE = """                v_mark_ids bigint[];
                v_mark_refused integer[] := '{}';
                v_stale_ids bigint[] := '{}';
                v_stale jsonb := '[]';
                v_marked bigint := 0;
                v_count bigint;
"""
_RETURN_ANCHOR = (
    "                RETURN jsonb_build_object('o', to_jsonb(v_ours), 'g', to_jsonb(v_ledger),\n"
    "                                          'e', v_events, 'r', v_replies);\n"
)
# The sent marks' statement of PgRecords.replies_done, carried: every shard of the marked
# replies must be among those held (v_ours: 'l' then names every lease this member believes
# it holds), else none is marked; a reply submitted under another epoch of its shard's lease
# than the lease row's is not marked (stale).
_MARKS_BLOCK = """                IF jsonb_typeof(p->'m') = 'object' THEN
                    v_mark_ids := ARRAY(SELECT jsonb_array_elements_text(p->'m'->'i')::bigint);
                    IF jsonb_typeof(p->'l') = 'array' THEN
                        SELECT coalesce(array_agg(DISTINCT r.shard), '{}') INTO v_mark_refused
                          FROM replies r
                         WHERE r.id = ANY(v_mark_ids) AND r.shard IS NOT NULL
                           AND NOT (r.shard = ANY(v_ours));
                    END IF;
                    IF cardinality(v_mark_refused) = 0 THEN
                        SELECT coalesce(array_agg(r.id), '{}'),
                               coalesce(jsonb_agg(jsonb_build_array(r.shard, (m.x->>1)::bigint,
                                                                    l.epoch) ORDER BY r.id),
                                        '[]')
                          INTO v_stale_ids, v_stale
                          FROM jsonb_array_elements(p->'m'->'e') AS m(x)
                          JOIN replies r ON r.id = (m.x->>0)::bigint
                          JOIN shard_leases l ON l.shard = r.shard
                         WHERE r.sent_at IS NULL AND (m.x->>1)::bigint <> l.epoch;
                        UPDATE replies SET sent_at = (p->'m'->>'t')::double precision
                         WHERE id = ANY(v_mark_ids) AND sent_at IS NULL AND seq IS NOT NULL
                           AND NOT (id = ANY(v_stale_ids));
                        GET DIAGNOSTICS v_count = ROW_COUNT;
                        v_marked := v_count;
                        DELETE FROM replies
                         WHERE id = ANY(v_mark_ids) AND sent_at IS NULL AND seq IS NULL
                           AND NOT (id = ANY(v_stale_ids));
                        GET DIAGNOSTICS v_count = ROW_COUNT;
                        v_marked := v_marked + v_count;
                    END IF;
                END IF;
"""
_RETURN_WITH_MARKS = (
    "                RETURN jsonb_build_object('o', to_jsonb(v_ours), 'g', to_jsonb(v_ledger),\n"
    "                                          'e', v_events, 'r', v_replies,\n"
    "                                          'mn', v_marked, 'mr', to_jsonb(v_mark_refused),\n"
    "                                          'ms', v_stale);\n"
)


def _stale_marks_guarded(function: str) -> str:
    """``records_write`` of migration 4 whose stale-epoch check of the marks runs only when
    they name epochs (migration 5): without them (a single instance, no ``shard_leases``
    table) the marks are written by the same function."""
    start = function.index(_STALE_FROM)
    end = function.index(_STALE_TO, start) + len(_STALE_TO)
    stale = function[start:end]
    guarded = (
        "                        IF jsonb_array_length(p->'m'->'e') > 0 THEN\n"
        + "".join("    " + line for line in stale.splitlines(keepends=True))
        + "                        END IF;\n"
    )
    return function[:start] + guarded + function[end:]


_STALE_FROM = "                        SELECT coalesce(array_agg(r.id), '{}'),\n"
_STALE_TO = "WHERE r.sent_at IS NULL AND (m.x->>1)::bigint <> l.epoch;\n"


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
    PgMigration(
        3,
        "records_write: a group of batches of ledger entries, events and replies in one call",
        # One statement (its own transaction) for a group commit of the common batches, its
        # argument one jsonb (json is dumped by the client's C encoder: 28 typed arrays cost
        # more client CPU than the statement saved):
        #   l: the leases this member believes it holds, [[shard, owner, epoch], ...], or null
        #      (not fenced); their rows are locked FOR KEY SHARE in ascending order and
        #      checked, as held_leases does;
        #   w: [[batch, shard], ...], the shards each batch writes: a batch with a shard not
        #      held writes nothing;
        #   g: ledger entries [[batch, user, amount, reason, key, now, correlation], ...];
        #   e: events [[batch, event_id, type, user, now, body, size], ...], s: their status;
        #   r: replies [[batch, key, update_id, chat, method, params, user, seq, shard], ...]
        # (batches numbered from 1). Rows are written in their order: each batch's ledger
        # entries (its wallet locked first), then the events, then the replies.
        # An overdraft raises INSUFFICIENT_FUNDS ("user balance amount"): nothing is written.
        # Answers {"o": shards held, "g": per ledger entry [user, amount, balance_after,
        # stored already, balance reported] of the stored entry (null: its batch refused),
        # "e": event ids stored, "r": [[key, id], ...] of the replies stored}.
        (_RECORDS_WRITE_3,),
    ),
    PgMigration(
        4,
        "records_write also marks replies sent (the sent marks ride a records call)",
        # The argument may carry 'm': {"i": [reply id, ...], "e": [[reply id, epoch], ...]
        # (the epoch each was submitted under, cluster mode), "t": when}. The answer then
        # also has "mn" (replies marked or dropped), "mr" (the marks' shards not held: nothing
        # was marked) and "ms" ([[shard, loaded epoch, lease epoch], ...] by reply id: the
        # replies submitted under another epoch than their shard's lease, not marked).
        (_with_sent_marks(_RECORDS_WRITE_3),),
    ),
    PgMigration(
        5,
        "records_write checks the marks' epochs only when given (marks without a fence)",
        (_stale_marks_guarded(_with_sent_marks(_RECORDS_WRITE_3)),),
    ),
)
