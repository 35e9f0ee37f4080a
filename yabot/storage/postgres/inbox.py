"""The shared inbox on PostgreSQL (cluster mode): any instance appends, a shard's owner consumes.

Same contract as :class:`yabot.storage.inbox.Inbox` (the SQLite adapter): dedupe by
``update_id`` plus :func:`~yabot.storage.inbox.fingerprint` within the retention, an arrival
``seq`` strictly increasing and never reused, payloads encrypted with the snapshots' keys,
every entry stamped with its player's shard.

An append is one statement, its own transaction: the function ``inbox_append`` (schema 2).
Order within a shard: it takes ``pg_advisory_xact_lock`` on every shard it writes (in
ascending order) *before* it draws its ``seq`` numbers, so within one shard a lower ``seq``
always commits before a higher one. A consumer reading ``seq > last`` therefore never skips an
entry committed later with a lower ``seq``. The same lock serialises the dedupe check of an
update delivered to two instances at once (an update's fingerprint names its sender, so both
deliveries fall in the same shard). Each append ends with one ``NOTIFY yabot_inbox`` whose
payload lists the shards it wrote, each with the highest seq it wrote there, comma-separated
(``"3:1207,17:1210"``; delivered on commit): a consumer already past that seq skips the read.

With a :class:`~yabot.storage.lease_source.LeaseSource`, pruning (marking entries done) is
fenced per shard: a stale owner marks nothing, nor does a snapshot of a state loaded under an
earlier epoch of the shard's lease.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from yabot.observability.logging import get_logger
from yabot.security.crypto import Encryptor
from yabot.shards import DEFAULT_SHARDS, shard_of
from yabot.storage.inbox import (
    DEFAULT_DEDUP_RETENTION_S,
    INBOX_APPENDS,
    INBOX_DUPLICATES,
    INBOX_ERRORS,
    INBOX_REJECTED,
    INBOX_REUSED_IDS,
    MIN_DEDUP_RETENTION_S,
    Appended,
    Arrival,
    InboxEntry,
    InboxError,
    PruneExpire,
    _check,
    _raw,
    fingerprint,
)
from yabot.storage.lease_source import LeaseSource
from yabot.storage.postgres.fencing import current, held_leases
from yabot.storage.postgres.migrations import PgMigration, migrate
from yabot.storage.postgres.pool import autocommit, reading

log = get_logger(__name__)

STORE = "inbox"
CHANNEL = (
    "yabot_inbox"  # NOTIFY payload: shard:top seq written, "3:1207,17:1210"; read by cluster.node
)
SHARD_LOCK_NAMESPACE = 0x59414202  # "YAB\2": one advisory lock per shard for appends

MIGRATIONS: tuple[PgMigration, ...] = (
    PgMigration(
        1,
        "inbox entries in arrival order, per shard",
        (
            "CREATE SEQUENCE inbox_seq",
            """CREATE TABLE inbox_entries (
                seq bigint PRIMARY KEY,
                update_id bigint NOT NULL,
                user_id bigint NOT NULL,
                shard integer NOT NULL,
                payload bytea NOT NULL,
                received_at double precision NOT NULL,
                covered boolean NOT NULL DEFAULT false,
                legacy boolean NOT NULL DEFAULT false,
                replied boolean NOT NULL DEFAULT false,
                fingerprint bytea)""",
            "CREATE INDEX inbox_by_update ON inbox_entries (update_id, received_at)",
            "CREATE INDEX inbox_pending ON inbox_entries (user_id, seq) WHERE NOT covered",
            "CREATE INDEX inbox_shard_pending ON inbox_entries (shard, seq) WHERE NOT covered",
            "CREATE INDEX inbox_covered_age ON inbox_entries (received_at) WHERE covered",
            "CREATE TABLE inbox_meta (key text PRIMARY KEY, value bigint NOT NULL)",
        ),
    ),
    PgMigration(
        2,
        "append_function",
        # An append in one statement (its own transaction): the shard locks first, then each
        # later statement of the function takes a new snapshot (a VOLATILE function in READ
        # COMMITTED), so the dedupe read and the seqs come after the locks as before.
        # One row per entry, in order: its seq, whether it is new, whether its update_id was
        # stored within the retention with another fingerprint (a reused id). (No subscripts
        # of the bytea arrays: each would walk the array from its start.)
        (
            """CREATE FUNCTION inbox_append(
                p_ns integer, p_update_ids bigint[], p_user_ids bigint[], p_shards integer[],
                p_payloads bytea[], p_received double precision[], p_prints bytea[],
                p_retention double precision, p_channel text)
            RETURNS TABLE (o_seq bigint, o_new boolean, o_reused boolean)
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_same bigint[];  -- per entry: the newest stored repeat's seq, else 0
                v_earlier boolean[];  -- per entry: its update_id is stored (any fingerprint)
                v_first integer[];  -- per new entry: the first entry of the call like it
                v_firsts integer[];
                v_seqs bigint[];
                v_seq_of bigint[];  -- per entry stored: its seq, else 0 (no NULLs: O(1) reads)
                v_news text;
            BEGIN
                PERFORM count(pg_advisory_xact_lock(p_ns, t.s))
                    FROM (SELECT DISTINCT unnest(p_shards) AS s ORDER BY 1) AS t;
                SELECT array_agg(d.same ORDER BY d.i), array_agg(d.earlier ORDER BY d.i)
                    INTO v_same, v_earlier
                    FROM (SELECT e.i,
                                 COALESCE(max(x.seq) FILTER (
                                     WHERE x.fingerprint IS NULL OR x.fingerprint = e.p), 0)
                                     AS same,
                                 count(x.seq) > 0 AS earlier
                            FROM unnest(p_update_ids, p_received, p_prints)
                                 WITH ORDINALITY AS e(u, r, p, i)
                            LEFT JOIN inbox_entries x
                                   ON x.update_id = e.u AND x.received_at >= e.r - p_retention
                           GROUP BY e.i) AS d;
                SELECT array_agg(COALESCE(f.first, 0) ORDER BY f.i) INTO v_first
                    FROM (SELECT e.i,
                                 CASE WHEN e.same = 0 THEN
                                     min(e.i) FILTER (WHERE e.same = 0)
                                         OVER (PARTITION BY e.u, e.p) END AS first
                            FROM unnest(p_update_ids, p_prints, v_same)
                                 WITH ORDINALITY AS e(u, p, same, i)) AS f;
                SELECT array_agg(f.i::integer ORDER BY f.i) INTO v_firsts
                    FROM unnest(v_first) WITH ORDINALITY AS f(first, i) WHERE f.first = f.i;
                v_seq_of := array_fill(0::bigint, ARRAY[cardinality(p_update_ids)]);
                IF v_firsts IS NOT NULL THEN
                    SELECT array_agg(g.s ORDER BY g.s) INTO v_seqs
                        FROM (SELECT nextval('inbox_seq') AS s
                                FROM generate_series(1, cardinality(v_firsts))) AS g;
                    FOR k IN 1 .. cardinality(v_firsts) LOOP
                        v_seq_of[v_firsts[k]] := v_seqs[k];
                    END LOOP;
                    INSERT INTO inbox_entries
                        (seq, update_id, user_id, shard, payload, received_at, fingerprint)
                        SELECT v_seq_of[e.i::integer], e.u, e.usr, e.sh, e.pay, e.r, e.p
                          FROM unnest(p_update_ids, p_user_ids, p_shards, p_payloads,
                                      p_received, p_prints)
                               WITH ORDINALITY AS e(u, usr, sh, pay, r, p, i)
                         WHERE v_seq_of[e.i::integer] > 0;
                    SELECT string_agg(t.sh || ':' || t.top, ',' ORDER BY t.sh) INTO v_news
                        FROM (SELECT e.sh, max(v_seq_of[e.i::integer]) AS top
                                FROM unnest(p_shards) WITH ORDINALITY AS e(sh, i)
                               WHERE v_seq_of[e.i::integer] > 0 GROUP BY 1) AS t;
                    PERFORM pg_notify(p_channel, v_news);
                END IF;
                RETURN QUERY
                    SELECT CASE WHEN e.same > 0 THEN e.same ELSE v_seq_of[e.first] END,
                           e.same = 0 AND e.first = e.i,
                           e.same = 0 AND e.first = e.i AND e.earlier
                      FROM unnest(v_same, v_earlier, v_first)
                           WITH ORDINALITY AS e(same, earlier, first, i)
                     ORDER BY e.i;
            END
            $fn$""",
        ),
    ),
)

_SELECT = (
    "SELECT seq, update_id, user_id, shard, payload, received_at, legacy, replied"
    " FROM inbox_entries"
)


class PgInbox(PruneExpire):
    """Accepted updates shared by every instance; each ``update_id`` at most once per retention.

    Args:
        pool: The shared connection pool.
        encryptor: Encrypts payloads at rest (the snapshots' keys).
        shards: ``runtime.shards``; the lease source's when one is given.
        leases: In cluster mode, the shards this instance owns: pruning is fenced by them.
        dedup_retention_s: How long an ``update_id`` is remembered (at least 48 h).
        clock: Wall clock of the expiry of pruned entries.
    """

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        encryptor: Encryptor,
        shards: int = DEFAULT_SHARDS,
        leases: LeaseSource | None = None,
        dedup_retention_s: float = DEFAULT_DEDUP_RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if dedup_retention_s < MIN_DEDUP_RETENTION_S:
            raise ValueError(
                f"dedup_retention_s must be at least {MIN_DEDUP_RETENTION_S:g} (48 h), "
                f"got {dedup_retention_s:g}"
            )
        migrate(pool, STORE, MIGRATIONS)
        self._pool = pool
        self._leases = leases
        self.shards = leases.shards if leases is not None else shards
        self._encryptor = encryptor
        self._retention_s = dedup_retention_s
        self._clock = clock
        self._next_expiry = 0.0
        self._restamp_shards()

    def _restamp_shards(self) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, -1)", (SHARD_LOCK_NAMESPACE,))
            row = conn.execute("SELECT value FROM inbox_meta WHERE key = 'shards'").fetchone()
            if row is not None and int(row[0]) == self.shards:
                return
            if row is not None:
                users = [
                    int(u) for (u,) in conn.execute("SELECT DISTINCT user_id FROM inbox_entries")
                ]
                with conn.cursor() as cur:
                    cur.executemany(
                        "UPDATE inbox_entries SET shard = %s WHERE user_id = %s",
                        [(shard_of(u, self.shards), u) for u in users],
                    )
                log.warning("inbox_shards_changed", old=row[0], new=self.shards, users=len(users))
            conn.execute(
                "INSERT INTO inbox_meta (key, value) VALUES ('shards', %s)"
                " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (self.shards,),
            )

    # ---- writes ---------------------------------------------------------------------------
    def append(
        self, update_id: int, user_id: int, payload: bytes | str, received_at: float
    ) -> Appended:
        """Store one update durably (committed before returning); see ``append_many``."""
        return self.append_many([Arrival(update_id, user_id, payload, received_at)])[0]

    def append_many(self, entries: Sequence[Arrival]) -> list[Appended]:
        """Store many updates in one transaction; one result per entry.

        All entries are checked first: one invalid entry refuses the whole call.

        Raises:
            ValueError: An entry is invalid; nothing is stored.
            InboxError: The database refused the write; do not acknowledge the updates.
        """
        try:
            for entry in entries:
                _check(entry)
        except ValueError as exc:
            INBOX_REJECTED.inc()
            log.warning("inbox_append_refused", reason=str(exc), entries=len(entries))
            raise
        if not entries:
            return []
        sealed = [self._encryptor.encrypt_bytes(_raw(e.payload)) for e in entries]
        prints = [fingerprint(e.payload) for e in entries]
        shards = [shard_of(e.user_id, self.shards) for e in entries]
        try:
            with autocommit(self._pool) as conn:
                rows = conn.execute(
                    "SELECT o_seq, o_new, o_reused FROM inbox_append("
                    "%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        SHARD_LOCK_NAMESPACE,
                        [e.update_id for e in entries],
                        [e.user_id for e in entries],
                        shards,
                        sealed,
                        [e.received_at for e in entries],
                        prints,
                        self._retention_s,
                        CHANNEL,
                    ),
                ).fetchall()
        except psycopg.Error as exc:
            INBOX_ERRORS.inc()
            log.error("inbox_append_failed", error=type(exc).__name__, entries=len(entries))
            raise InboxError(f"PostgreSQL inbox: {exc}") from exc
        results = [Appended(int(seq), bool(new)) for seq, new, _ in rows]
        reused = sum(1 for *_, again in rows if again)
        stored = sum(1 for r in results if r.new)
        INBOX_APPENDS.inc(stored)
        if reused:
            INBOX_REUSED_IDS.inc(reused)
            log.warning("inbox_update_id_reused", updates=reused)
        if stored < len(results):
            INBOX_DUPLICATES.inc(len(results) - stored)
            log.info("inbox_duplicates", duplicates=len(results) - stored)
        return results

    def _mark_covered(
        self, pairs: list[tuple[int, int]], epochs: Mapping[int, int] | None = None
    ) -> int:
        """In cluster mode only the shards whose lease still holds are marked (fenced), and
        of a user in ``epochs`` only while the lease has the epoch given for the user."""
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            if self._leases is not None:
                by_shard: dict[int, list[tuple[int, int]]] = {}
                for user_id, up_to in pairs:
                    by_shard.setdefault(shard_of(user_id, self.shards), []).append((user_id, up_to))
                held = held_leases(cur, self._leases, by_shard, STORE)
                loaded = epochs or {}
                pairs = [
                    (user_id, up_to)
                    for shard in sorted(held)
                    for user_id, up_to in by_shard[shard]
                    if current(held, shard, loaded.get(user_id), STORE)
                ]
            if not pairs:
                return 0
            cur.execute(
                "UPDATE inbox_entries e SET covered = true, payload = ''::bytea"
                " FROM unnest(%s::bigint[], %s::bigint[]) AS c(user_id, up_to)"
                " WHERE e.user_id = c.user_id AND e.seq <= c.up_to AND NOT e.covered",
                ([u for u, _ in pairs], [s for _, s in pairs]),
            )
            return max(cur.rowcount, 0)

    def _delete_expired(self, cutoff: float, limit: int) -> int:
        with self._pool.connection() as conn:
            return conn.execute(
                "DELETE FROM inbox_entries WHERE seq IN (SELECT seq FROM inbox_entries"
                " WHERE covered AND received_at < %s LIMIT %s)",
                (cutoff, limit),
            ).rowcount

    # ---- reads ----------------------------------------------------------------------------
    def _entries(
        self, where: str, params: tuple[object, ...], limit: int | None = None
    ) -> list[InboxEntry]:
        with reading(self._pool) as conn:
            rows = conn.execute(
                f"{_SELECT} WHERE {where} ORDER BY seq LIMIT %s", (*params, limit)
            ).fetchall()
        return self._decrypted(rows)

    def _decrypted(
        self, rows: Sequence[tuple[Any, ...]], known: Container[int] = ()
    ) -> list[InboxEntry]:
        decrypt = self._encryptor.decrypt_bytes
        return [
            InboxEntry(
                int(r[0]),
                int(r[1]),
                int(r[2]),
                int(r[3]),
                b"" if r[0] in known else decrypt(bytes(r[4])),
                float(r[5]),
                bool(r[6]),
                bool(r[7]),
            )
            for r in rows
        ]

    def entries_after(self, user_id: int, seq: int) -> list[InboxEntry]:
        """The user's entries not covered yet with a ``seq`` above ``seq``, in arrival order."""
        return self._entries("user_id = %s AND seq > %s AND NOT covered", (user_id, seq))

    def entries_received_since(self, received_at: float) -> list[InboxEntry]:
        """Entries not yet covered, received at or after ``received_at``, in arrival order."""
        return self._entries("NOT covered AND received_at >= %s", (received_at,))

    def shard_entries(self, shard: int, after_seq: int = 0, limit: int = 1000) -> list[InboxEntry]:
        """A shard's entries not covered yet, after ``after_seq``, in arrival order."""
        return self._entries("shard = %s AND seq > %s AND NOT covered", (shard, after_seq), limit)

    def shards_entries(
        self, after: Mapping[int, int], limit: int = 1000, *, known: Container[int] = ()
    ) -> list[InboxEntry]:
        """``shard_entries`` of many shards in one query: the entries not covered yet of each
        shard in ``after`` with a ``seq`` above its value, in arrival order (at most ``limit``
        in all; a shard's entries are a prefix of its pending ones).

        The payloads of the ``known`` seqs (updates the caller holds parsed already) are
        returned empty, not decrypted."""
        if not after:
            return []
        shards = sorted(after)
        with reading(self._pool) as conn:
            # LATERAL: one walk of the (shard, seq) pending index per shard.
            rows = conn.execute(
                "SELECT e.seq, e.update_id, e.user_id, e.shard, e.payload, e.received_at,"
                " e.legacy, e.replied FROM unnest(%s::integer[], %s::bigint[]) AS c(shard, after)"
                " CROSS JOIN LATERAL (SELECT * FROM inbox_entries i WHERE i.shard = c.shard"
                " AND i.seq > c.after AND NOT i.covered ORDER BY i.seq LIMIT %s) AS e"
                " ORDER BY e.seq LIMIT %s",
                (shards, [after[s] for s in shards], limit, limit),
            ).fetchall()
        return self._decrypted(rows, known)

    def pending_users(self, shards: Iterable[int] | None = None) -> list[int]:
        """Users with entries not yet pruned (of ``shards`` when given)."""
        with self._pool.connection() as conn:
            if shards is None:
                rows = conn.execute(
                    "SELECT DISTINCT user_id FROM inbox_entries WHERE NOT covered ORDER BY user_id"
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT DISTINCT user_id FROM inbox_entries WHERE NOT covered"
                    " AND shard = ANY(%s) ORDER BY user_id",
                    (sorted(set(shards)),),
                ).fetchall()
        return [int(r[0]) for r in rows]

    def shard_backlog(self) -> dict[int, tuple[int, int]]:
        """Per shard with entries not covered: (how many, the newest seq)."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT shard, count(*), max(seq) FROM inbox_entries WHERE NOT covered"
                " GROUP BY shard"
            ).fetchall()
        return {int(s): (int(n), int(m)) for s, n, m in rows}

    def count(self) -> int:
        """Entries not yet covered by a durable snapshot."""
        with self._pool.connection() as conn:
            row = conn.execute("SELECT count(*) FROM inbox_entries WHERE NOT covered").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Nothing to release: the pool belongs to whoever opened it."""
