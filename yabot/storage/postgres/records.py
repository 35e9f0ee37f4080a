"""``PgRecords``: the records store on PostgreSQL (same protocol and contract as ``RecordsDb``).

Every ``apply`` is one transaction; ``apply_many`` one transaction with a savepoint per batch.
A group commit of batches of ledger entries, events and replies only (what a turn writes) is
one statement, its own transaction: the function ``records_write`` (schema 3), fence included
(one round trip, not a BEGIN, a fence check, the inserts and a COMMIT).
Balances are serialised per player by locking the wallet row (``FOR UPDATE``) before the
ledger entry's key is looked up, so concurrent writers (threads or instances) never lose a
credit and a replayed key is seen once the first writer commits. A deadlock between group
commits is retried as a whole (nothing of a failed attempt is committed or counted).

Fencing (cluster mode): with a :class:`LeaseSource`, each batch first checks the leases of
the shards of every player it writes, inside its transaction; a batch of a shard this
instance no longer owns raises :class:`Fenced` and writes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool, PoolTimeout

from yabot.events import metrics
from yabot.events import outbox as outbox_sql
from yabot.events.models import Event
from yabot.observability.logging import get_logger
from yabot.shards import DEFAULT_SHARDS, shard_of
from yabot.storage.lease_source import HeldLease
from yabot.storage.postgres import records_schema
from yabot.storage.postgres.fencing import (
    Fenced,
    LeaseSource,
    believed_leases,
    checked_leases,
    count_stale,
    current,
    held_leases,
    refuse,
)
from yabot.storage.postgres.migrations import migrate
from yabot.storage.postgres.pool import autocommit, reading
from yabot.storage.records import writes
from yabot.storage.records.accounting import OutboxAccounting, OutboxMode
from yabot.storage.records.group_commit import GroupCommit
from yabot.storage.records.models import (
    AppliedEntry,
    BatchResult,
    InsufficientFunds,
    LedgerEntry,
    OutgoingReply,
    RecordBatch,
    RecordsError,
    RecordsUnavailable,
)
from yabot.storage.records.reads import RecordsReads
from yabot.storage.records.replies import PENDING, PendingReply, reply_values

log = get_logger(__name__)

Cursor = psycopg.Cursor[Any]
T = TypeVar("T")

STORE = "records"
RETRIES = 5  # attempts of a transaction that lost a deadlock or a serialization race


def _reply_row(reply: OutgoingReply, shards: int) -> tuple[Any, ...]:
    """A reply's column values in the replies table's order (its owner and shard derived)."""
    shard = None if reply.user_id is None else shard_of(reply.user_id, shards)
    return (*reply_values(reply), shard)


class PgRecords(RecordsReads, OutboxAccounting):
    """Transactional records on PostgreSQL (see :class:`yabot.storage.records.RecordsDb`).

    Args:
        pool: The shared connection pool.
        leases: In cluster mode, the source of this instance's shard leases: every batch is
            fenced by the shards of the players it writes. None on a single instance.
        shards: The number of shards (``runtime.shards``); the lease source's when given.
        outbox_mode: ``relay`` or ``local`` (see ``RecordsDb``).
        outbox_budget_bytes: Unsent backlog past which batches with events are refused
            (counted by this process from the backlog it found at open).
        group_commit: Batches applied at once share one transaction (on by default).
    """

    PLACEHOLDER = "%s"

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        leases: LeaseSource | None = None,
        shards: int = DEFAULT_SHARDS,
        outbox_mode: OutboxMode = "local",
        outbox_budget_bytes: int = 256 * 1024 * 1024,
        group_commit: bool = True,
    ) -> None:
        migrate(pool, records_schema.STORE, records_schema.MIGRATIONS)
        self._pool = pool
        self._leases = leases
        self._shards = leases.shards if leases is not None else shards
        with pool.connection() as conn:
            PENDING.set(_scalar(conn.execute("SELECT COUNT(*) FROM replies WHERE sent_at IS NULL")))
            backlog = _backlog(conn.cursor())
        super().__init__(outbox_mode, outbox_budget_bytes, backlog)
        self._group = GroupCommit(self._write_group, enabled=group_commit)

    def close(self) -> None:
        """Nothing to release: the pool belongs to whoever opened it."""

    # Transactions.

    def _transaction(self, work: Callable[[Cursor], T], *, one_statement: bool = False) -> T:
        """Run ``work`` in one transaction, again after a lost deadlock or serialization race.

        With ``one_statement`` (``work`` runs a single statement), in autocommit: the
        statement is its own transaction, without a ``BEGIN`` and a ``COMMIT`` round trip.

        Raises:
            RecordsUnavailable: The server cannot be reached (or a race was lost every time).
        """
        for attempt in range(1, RETRIES + 1):
            try:
                if one_statement:
                    with autocommit(self._pool) as conn, conn.cursor() as cur:
                        return work(cur)
                with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                    return work(cur)
            except (errors.DeadlockDetected, errors.SerializationFailure) as exc:
                if attempt == RETRIES:
                    raise RecordsUnavailable(f"records transaction lost {RETRIES} races") from exc
                log.warning("pg_records_retry", attempt=attempt, error=type(exc).__name__)
            except (psycopg.OperationalError, PoolTimeout) as exc:
                log.error("pg_records_unavailable", error=type(exc).__name__)
                raise RecordsUnavailable(
                    f"records database unavailable: {type(exc).__name__}"
                ) from exc
        raise AssertionError("unreachable")

    def _fence(self, cur: Cursor, batch: RecordBatch) -> None:
        if self._leases is None:
            return
        wanted = self._shards_of(batch)
        if wanted:
            refused = self._refusal(batch, wanted, held_leases(cur, self._leases, wanted, STORE))
            if refused is not None:
                raise refused

    def _shards_of(self, batch: RecordBatch) -> set[int]:
        """The shards whose leases fence ``batch``: its players' (and its loader's)."""
        shards = {shard_of(u, self._shards) for u in _users_of(batch)}
        if batch.loaded_under is not None:
            shards.add(shard_of(batch.loaded_under.user_id, self._shards))
        return shards

    def _refusal(
        self, batch: RecordBatch, wanted: set[int], held: Mapping[int, HeldLease]
    ) -> Fenced | None:
        """Why ``batch`` must not be written given the leases checked (``held``), if so.

        A shard not held refuses it; so does a state loaded under an earlier epoch of its
        player's shard (``batch.loaded_under``), even if this member holds that shard again.
        """
        lost = sorted(wanted - held.keys())
        if lost:
            return Fenced(f"shards {lost} are no longer ours")
        loaded = batch.loaded_under
        if loaded is not None:
            shard = shard_of(loaded.user_id, self._shards)
            if not current(held, shard, loaded.epoch, STORE):
                return Fenced(
                    f"shard {shard}: the state was loaded under epoch {loaded.epoch},"
                    f" the shard's lease is now epoch {held[shard].epoch}"
                )
        return None

    def apply(self, batch: RecordBatch) -> BatchResult:
        """Write a batch in one transaction (see ``RecordsDb.apply``).

        Group commit (:class:`~yabot.storage.records.group_commit.GroupCommit`): batches
        applied by other threads while a transaction runs share the next one (one fence check
        per shard, one commit). A batch refused for a records reason fails alone: its group is
        then written again batch by batch.

        Raises:
            InsufficientFunds, OutboxFull, UnknownPayment: As ``RecordsDb.apply``.
            Fenced: A player's shard is no longer ours; nothing is written.
            RecordsUnavailable: The server cannot be reached; nothing is written.
        """
        return self._group.apply(_Ticket(batch, [outbox_sql.encode(e) for e in batch.events]))

    def _write_group(self, group: Sequence[_Ticket | _Marks]) -> list[BatchResult | Exception]:
        """The group commit's writer: ``group`` in one transaction, each item's outcome.

        Sent marks queued with the batches ride the batches' ``records_write`` call when
        there is one; otherwise they are written in a statement of their own.

        Raises:
            RecordsError: A batch of a group of several was refused (nothing is written; the
                group commit writes each alone).
            RecordsUnavailable: The server cannot be reached.
        """
        if any(isinstance(item, _Marks) for item in group):
            return self._write_with_marks(group)
        return self._write_tickets(cast(Sequence[_Ticket], group))

    def _write_tickets(self, group: Sequence[_Ticket]) -> list[BatchResult | Exception]:
        """:meth:`_write_group` of batches alone."""
        one_call = all(_one_call(ticket.batch) for ticket in group)
        work = self._group_call if one_call else self._group_work
        try:
            outcomes, added = self._transaction(
                lambda cur: work(cur, group), one_statement=one_call
            )
        except RecordsError as exc:
            if len(group) > 1:
                raise
            self._note_refusal(exc)
            return [exc]
        for outcome in outcomes:
            if isinstance(outcome, RecordsError):
                self._note_refusal(outcome)
        self._committed([o for o in outcomes if isinstance(o, BatchResult)], added)
        return outcomes

    def _write_with_marks(self, group: Sequence[_Ticket | _Marks]) -> list[BatchResult | Exception]:
        """:meth:`_write_group` of a group holding sent marks: every marks item gets the
        outcome of all the marks (written together), the batches theirs."""
        tickets = [item for item in group if isinstance(item, _Ticket)]
        marks = _Marks.merged([item for item in group if isinstance(item, _Marks)])
        marks_outcome: BatchResult | Exception = BatchResult()
        if tickets and all(_one_call(ticket.batch) for ticket in tickets):
            # A refused batch raises here (nothing written, the marks neither): the group
            # commit then writes each item alone.
            (outcomes, added), answer = self._transaction(
                lambda cur: self._records_call(cur, tickets, marks), one_statement=True
            )
            for outcome in outcomes:
                if isinstance(outcome, RecordsError):
                    self._note_refusal(outcome)
            self._committed([o for o in outcomes if isinstance(o, BatchResult)], added)
            try:
                self._marks_written(answer["mn"], answer["mr"], answer["ms"])
            except Fenced as exc:
                marks_outcome = exc
        else:
            outcomes = self._write_tickets(tickets) if tickets else []
            try:
                self._mark(marks)
            except Exception as exc:  # the batches are committed: the marks fail alone
                marks_outcome = exc
        written = iter(outcomes)
        return [next(written) if isinstance(item, _Ticket) else marks_outcome for item in group]

    def _budget_outcomes(self, group: Sequence[_Ticket]) -> list[BatchResult | Exception | None]:
        """Each ticket's refusal for the outbox budget (None: it may be written)."""
        outcomes: list[BatchResult | Exception | None] = [None] * len(group)
        added_bytes = 0
        for index, ticket in enumerate(group):
            outcomes[index] = self._over_budget(ticket.encoded, added_bytes)
            if outcomes[index] is None:
                added_bytes += sum(size for _, size in ticket.encoded)
        return outcomes

    def _group_call(
        self, cur: Cursor, group: Sequence[_Ticket]
    ) -> tuple[list[BatchResult | Exception], int]:
        """A group of batches of ledger entries, events and replies only (:func:`_one_call`)
        in one statement, its own transaction: ``records_write`` (schema 3) checks the fence,
        then writes every batch it does not refuse. Outcomes as :meth:`_group_work`'s.

        Raises:
            InsufficientFunds: A debit exceeds a balance (nothing of the group is written).
        """
        return self._records_call(cur, group, None)[0]

    def _records_call(
        self, cur: Cursor, group: Sequence[_Ticket], marks: _Marks | None
    ) -> tuple[tuple[list[BatchResult | Exception], int], dict[str, Any]]:
        """:meth:`_group_call` carrying ``marks`` too (schema 4); also answers the call's
        answer (its marks' part: see records_schema)."""
        outcomes = self._budget_outcomes(group)
        candidates = [index for index, outcome in enumerate(outcomes) if outcome is None]
        if not candidates and marks is None:
            return ([o for o in outcomes if o is not None], 0), {}
        wants: dict[int, set[int]] = {}
        view: dict[int, HeldLease] = {}
        writing = candidates
        if self._leases is not None:
            wants = {index: self._shards_of(group[index].batch) for index in candidates}
            believed = set().union(*wants.values())
            if marks is not None:  # the marks' shards are known to the database only
                believed = set(range(self._leases.shards))
            view = believed_leases(self._leases, believed)
            # A state loaded under another epoch than the lease believed held is refused
            # below (by _refusal, as on the other path): none of its rows are sent.
            writing = [i for i in candidates if not _stale(group[i].batch, view, self._shards)]
        call = _Call(self._shards)
        for index in writing:
            call.add(index + 1, group[index])
        if marks is not None:
            call.mark(marks)
        try:
            cur.execute(
                _RECORDS_WRITE,
                (call.argument(self._status, view, wants, fenced=self._leases is not None),),
            )
        except psycopg.Error as exc:
            if exc.sqlstate != records_schema.INSUFFICIENT_FUNDS:
                raise
            user_id, balance, amount = (int(v) for v in str(exc.diag.message_primary).split())
            raise InsufficientFunds(user_id, balance, amount) from None
        row = cur.fetchone()
        assert row is not None
        answer: dict[str, Any] = row[0]
        if self._leases is not None:
            wanted = set().union(*wants.values())
            held = checked_leases(self._leases, wanted, view, answer["o"], STORE)
            for index in candidates:
                outcomes[index] = self._refusal(group[index].batch, wants[index], held)
        results = {index: BatchResult() for index in writing if outcomes[index] is None}
        for (number, entry), stored in zip(call.ledger, answer["g"], strict=True):
            if stored is not None:  # else its batch was refused
                user_id, amount, after, duplicate, balance = stored
                result = results[number - 1]
                result.ledger.append(
                    _applied(entry, user_id, amount, after, duplicate, balance, result)
                )
        written = [(group[index], result) for index, result in results.items()]
        size = _count_events(written, set(answer["e"]))
        _count_replies(written, {str(key): int(id_) for key, id_ in answer["r"]})
        for index, result in results.items():
            outcomes[index] = result
        return ([o for o in outcomes if o is not None], size), answer

    def _group_work(
        self, cur: Cursor, group: Sequence[_Ticket]
    ) -> tuple[list[BatchResult | Exception], int]:
        outcomes = self._budget_outcomes(group)
        if self._leases is not None:
            shards = {
                index: self._shards_of(ticket.batch)
                for index, ticket in enumerate(group)
                if outcomes[index] is None
            }
            held = held_leases(cur, self._leases, set().union(*shards.values()), STORE)
            for index, wanted in shards.items():
                outcomes[index] = self._refusal(group[index].batch, wanted, held)
        writing = [index for index, outcome in enumerate(outcomes) if outcome is None]
        results, added = self._write_many(cur, [group[index] for index in writing])
        for index, result in zip(writing, results, strict=True):
            outcomes[index] = result
        return [o for o in outcomes if o is not None], added

    def apply_many(self, batches: Sequence[RecordBatch]) -> list[BatchResult | RecordsError]:
        """Write many batches in one transaction, each in its own savepoint.

        A batch refused for a records reason is rolled back alone and its error returned in
        its place. A fenced batch raises :class:`Fenced` and the whole group writes nothing.
        """
        encoded_all = [[outbox_sql.encode(event) for event in b.events] for b in batches]

        def work(cur: Cursor) -> tuple[list[BatchResult | RecordsError], int]:
            outcomes: list[BatchResult | RecordsError] = []
            added_bytes = 0
            conn = cur.connection
            for batch, encoded in zip(batches, encoded_all, strict=True):
                refused = self._over_budget(encoded, added_bytes)
                if refused is not None:
                    outcomes.append(refused)
                    continue
                self._fence(cur, batch)
                try:
                    with conn.transaction():
                        result, size = self._write_batch(cur, batch, encoded)
                except RecordsError as exc:
                    outcomes.append(exc)
                    continue
                added_bytes += size
                outcomes.append(result)
            return outcomes, added_bytes

        outcomes, added = self._transaction(work)
        for outcome in outcomes:
            if isinstance(outcome, RecordsError):
                self._note_refusal(outcome)
        self._committed([o for o in outcomes if isinstance(o, BatchResult)], added)
        return outcomes

    # Writes (inside the caller's transaction).

    def _write_batch(
        self, cur: Cursor, batch: RecordBatch, encoded: list[tuple[str, int]]
    ) -> tuple[BatchResult, int]:
        now, result = self._write_records(cur, batch)
        size = _write_events(cur, batch.events, encoded, self._status, now, result)
        for reply in batch.replies:
            result.reply_ids.append(self._insert_reply(cur, reply))
        return result, size

    def _write_records(self, cur: Cursor, batch: RecordBatch) -> tuple[float, BatchResult]:
        """Everything of a batch but its events and replies."""
        now = time.time() if batch.at is None else batch.at
        result = BatchResult()

        def run(sql: str, params: Sequence[Any]) -> Cursor:
            return cur.execute(sql.replace("?", "%s"), params)

        writes.write_accounts(run, writes.POSTGRES_DISTINCT, batch, now, result)
        for entry in batch.ledger:
            result.ledger.append(_write_ledger(cur, entry, now, result))
        writes.write_purchases(run, batch, now, result)
        writes.write_logs(run, batch, now, result)
        return now, result

    def _write_many(self, cur: Cursor, tickets: list[_Ticket]) -> tuple[list[BatchResult], int]:
        """Write the batches of ``tickets`` in order; their events and their replies each in one
        multi-row statement (in the batches' order: the outbox's seq keeps it)."""
        written = [self._write_records(cur, ticket.batch) for ticket in tickets]
        events = [
            (now, event, body, size)
            for ticket, (now, _) in zip(tickets, written, strict=True)
            for event, (body, size) in zip(ticket.batch.events, ticket.encoded, strict=True)
        ]
        fresh: set[str] = set()
        if events:
            status = self._status
            cur.execute(
                "INSERT INTO outbox (event_id, type, user_id, created_at, body, size, status)"
                f" VALUES {_rows_of(7, len(events))} ON CONFLICT (event_id) DO NOTHING"
                " RETURNING event_id",
                [
                    v
                    for now, e, body, event_size in events
                    for v in (str(e.event_id), e.type, e.user_id, now, body, event_size, status)
                ],
            )
            fresh = {str(row[0]) for row in cur.fetchall()}
        pairs = [(ticket, result) for ticket, (_, result) in zip(tickets, written, strict=True)]
        size = _count_events(pairs, fresh)
        replies = [reply for ticket in tickets for reply in ticket.batch.replies]
        ids: dict[str, int] = {}
        if replies:
            cur.execute(
                "INSERT INTO replies (dedupe_key, update_id, chat_id, method, params, user_id,"
                f" seq, shard) VALUES {_rows_of(8, len(replies))}"
                " ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id",
                [v for reply in replies for v in self._reply_row(reply)],
            )
            ids = {str(key): int(id_) for key, id_ in cur.fetchall()}
        _count_replies(pairs, ids)
        return [result for _, result in written], size

    def _reply_row(self, reply: OutgoingReply) -> tuple[Any, ...]:
        return _reply_row(reply, self._shards)

    def _insert_reply(self, cur: Cursor, reply: OutgoingReply) -> int | None:
        cur.execute(
            "INSERT INTO replies (dedupe_key, update_id, chat_id, method, params, user_id, seq,"
            " shard) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            self._reply_row(reply),
        )
        row = cur.fetchone()
        return None if row is None else int(row[0])

    # Outbox access for the relay.

    def outbox_pending(self, limit: int) -> list[outbox_sql.OutboxRow]:
        """Return up to ``limit`` unsent events, oldest first."""
        with reading(self._pool) as conn:
            rows = conn.execute(
                "SELECT seq, event_id, type, user_id, created_at, body FROM outbox"
                " WHERE status = 'pending' ORDER BY seq LIMIT %s",
                (limit,),
            ).fetchall()
        return [outbox_sql.OutboxRow(*row) for row in rows]

    def outbox_mark_sent(self, seqs: Sequence[int]) -> None:
        """Mark published events sent, releasing their bytes from the budget."""
        chosen = list(seqs)
        if not chosen:
            return

        def work(cur: Cursor) -> tuple[int, int]:
            cur.execute(
                "UPDATE outbox SET status = 'sent', sent_at = %s"
                " WHERE status = 'pending' AND seq = ANY(%s) RETURNING size",
                (time.time(), chosen),
            )
            sizes = [int(r[0]) for r in cur.fetchall()]
            return sum(sizes), len(sizes)

        released, marked = self._transaction(work)
        self._released(released, marked)
        log.debug("outbox_marked_sent", events=len(chosen), released_bytes=released)

    def outbox_prune(self, older_than_s: float, chunk: int = 5000) -> int:
        """Delete sent and local events older than ``older_than_s`` seconds, in chunks."""
        cutoff = time.time() - older_than_s
        removed = 0
        while True:

            def work(cur: Cursor) -> int:
                deleted = 0
                for status, column in (("sent", "sent_at"), ("local", "created_at")):
                    cur.execute(
                        "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox"
                        f" WHERE status = %s AND {column} < %s ORDER BY seq LIMIT %s)",
                        (status, cutoff, chunk - deleted),
                    )
                    deleted += max(cur.rowcount, 0)
                return deleted

            deleted = self._transaction(work)
            removed += deleted
            if deleted < chunk:
                break
        if removed:
            metrics.EVENTS_PRUNED.inc(removed)
        return removed

    def outbox_backlog(self) -> outbox_sql.Backlog:
        """Return the unsent backlog as stored."""
        with self._pool.connection() as conn:
            return _backlog(conn.cursor())

    def outbox_backlog_fast(self) -> outbox_sql.Backlog:
        """The unsent backlog from this process's running counts plus one index lookup."""
        with reading(self._pool) as conn:
            row = conn.execute(
                "SELECT created_at FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT 1"
            ).fetchone()
        return self._running_backlog(None if row is None else float(row[0]))

    # Reply outbox.

    def replies_pending(self, shards: Iterable[int] | None = None) -> list[PendingReply]:
        """Every reply not yet marked sent, oldest first; only those of ``shards`` when given
        (a cluster member sends the replies of the shards it owns, and the system ones)."""
        where = "sent_at IS NULL"
        params: tuple[Any, ...] = ()
        if shards is not None:
            where += " AND (shard IS NULL OR shard = ANY(%s))"
            params = (sorted(set(shards)),)
        with reading(self._pool) as conn:
            rows = conn.execute(
                "SELECT id, dedupe_key, update_id, chat_id, method, params FROM replies"
                f" WHERE {where} ORDER BY id",
                params,
            ).fetchall()
        return [PendingReply(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def replies_done(
        self,
        ids: Iterable[int],
        *,
        epochs: Mapping[int, int] | None = None,
        carry_s: float = 0.0,
    ) -> None:
        """Mark replies Telegram took (or refused for good).

        The marks are written by a ``records_write`` call (records schema 4). With
        ``carry_s`` they wait that long in the group commit for a turns' call to carry them;
        when none comes, or at once without ``carry_s``, they get a call of their own.

        In cluster mode the marks are fenced by the shards of the replies' players, checked
        and locked by the call's fence: a shard no longer ours refuses them all
        (:class:`Fenced`). ``epochs``: per reply id, the epoch of its shard's lease it was
        submitted under (the state that stored it was loaded under): a mark of a shard now
        held under another epoch (lost and acquired again meanwhile) is not written (counted
        in the fenced writes; the others are), as for the records batches.
        """
        chosen = sorted(set(ids))
        if not chosen:
            return
        loaded = {i: epochs[i] for i in chosen if i in epochs} if epochs else {}
        marks = _Marks(tuple(chosen), loaded)
        if carry_s > 0:
            self._group.apply(marks, carry_s=carry_s)
        else:
            self._mark(marks)

    def _mark(self, marks: _Marks) -> None:
        """Write ``marks`` in a ``records_write`` call of their own (see :meth:`replies_done`):
        the same fence and rules as when they ride a turns' call."""
        _, answer = self._transaction(
            lambda cur: self._records_call(cur, [], marks), one_statement=True
        )
        self._marks_written(answer["mn"], answer["mr"], answer["ms"])

    def _marks_written(
        self, marked: int, refused: Sequence[int], stale: Sequence[Sequence[int]]
    ) -> None:
        """Count what a marks statement did: ``marked`` replies marked or dropped, none if
        ``refused`` shards (raises :class:`Fenced`), ``stale`` ones (shard, loaded epoch,
        lease epoch) left."""
        if self._leases is not None:
            refuse(self._leases, refused, STORE)
        for shard, loaded_epoch, epoch in stale:
            count_stale(shard, loaded_epoch, epoch, STORE)
        PENDING.dec(marked)

    def replies_forget_covered(
        self, covered: Iterable[tuple[int, int]], *, sent_before: float | None = None
    ) -> int:
        """Delete the sent replies of ``(user_id, up_to_seq)`` entries snapshots cover, and
        (when given) every reply marked sent before ``sent_before``; returns how many."""
        pairs = list(covered)

        def work(cur: Cursor) -> int:
            forgotten = 0
            if pairs:
                cur.execute(
                    "DELETE FROM replies r USING unnest(%s::bigint[], %s::bigint[]) AS c(u, s)"
                    " WHERE r.user_id = c.u AND r.seq <= c.s AND r.sent_at IS NOT NULL",
                    ([u for u, _ in pairs], [s for _, s in pairs]),
                )
                forgotten += max(cur.rowcount, 0)
            if sent_before is not None:
                cur.execute(
                    "DELETE FROM replies WHERE id IN (SELECT id FROM replies"
                    " WHERE sent_at IS NOT NULL AND sent_at < %s LIMIT 5000)",
                    (sent_before,),
                )
                forgotten += max(cur.rowcount, 0)
            return forgotten

        return self._transaction(work)

    def replies_stored(self, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The stored replies among the dedupe ``keys``: key -> (method, params as stored)."""
        if not keys:
            return {}
        rows = self._rows(
            "SELECT dedupe_key, method, params FROM replies WHERE dedupe_key = ANY(%s)",
            (list(keys),),
        )
        return {str(key): (str(method), str(params)) for key, method, params in rows}

    # Reads.

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with reading(self._pool) as conn:
            return conn.execute(sql, params).fetchall()

    def balance(self, user_id: int) -> int:
        """Return a player's besitos balance (0 when none)."""
        rows = self._rows("SELECT balance FROM wallets WHERE user_id = %s", (user_id,))
        return int(rows[0][0]) if rows else 0


@dataclass(frozen=True)
class _Marks:
    """Replies to mark sent (``replies_done``), waiting in the group commit like a batch."""

    ids: tuple[int, ...]
    loaded: Mapping[int, int]  # reply id -> the lease epoch it was submitted under

    @staticmethod
    def merged(items: Sequence[_Marks]) -> _Marks:
        """One set of the marks of ``items``."""
        return _Marks(
            tuple(sorted({i for item in items for i in item.ids})),
            {i: epoch for item in items for i, epoch in item.loaded.items()},
        )


@dataclass
class _Ticket:
    """A batch waiting for its group's transaction, with its events encoded."""

    batch: RecordBatch
    encoded: list[tuple[str, int]]


def _one_call(batch: RecordBatch) -> bool:
    """Whether ``batch`` holds nothing but ledger entries, events and replies (what a
    turn writes): a group of such batches is written by one call of ``records_write``."""
    return not (
        batch.profiles
        or batch.subscriptions
        or batch.payments
        or batch.refunds
        or batch.items
        or batch.admins
        or batch.audit
        or batch.job_runs
    )


def _stale(batch: RecordBatch, view: Mapping[int, HeldLease], shards: int) -> bool:
    """Whether ``batch``'s state was loaded under another epoch than the lease ``view``
    holds for its player's shard (it will be refused, whatever the database says)."""
    loaded = batch.loaded_under
    if loaded is None:
        return False
    lease = view.get(shard_of(loaded.user_id, shards))
    return lease is not None and lease.epoch != loaded.epoch


_RECORDS_WRITE = "SELECT records_write(%s::jsonb)"


class _Call:
    """The argument of one ``records_write`` call (see records_schema, migration 3): the rows
    of the batches it writes, each naming its batch by number (1-based, its place in the
    group)."""

    def __init__(self, shards: int) -> None:
        self._shards = shards
        self.ledger: list[tuple[int, LedgerEntry]] = []
        self._ledger: list[list[Any]] = []
        self._events: list[list[Any]] = []
        self._replies: list[list[Any]] = []
        self._marks: dict[str, Any] | None = None

    def add(self, number: int, ticket: _Ticket) -> None:
        """Add the rows of ``ticket``'s batch as batch ``number``."""
        batch = ticket.batch
        now = time.time() if batch.at is None else batch.at
        for e in batch.ledger:
            self.ledger.append((number, e))
            self._ledger.append(
                [number, e.user_id, e.amount, e.reason, e.idempotency_key, now, e.correlation_id]
            )
        for event, (body, size) in zip(batch.events, ticket.encoded, strict=True):
            self._events.append(
                [number, str(event.event_id), event.type, event.user_id, now, body, size]
            )
        for r in batch.replies:
            self._replies.append([number, *_reply_row(r, self._shards)])

    def mark(self, marks: _Marks) -> None:
        """Carry ``marks`` (schema 4: the replies are marked sent in the same call)."""
        self._marks = {
            "i": list(marks.ids),
            "e": [[reply_id, epoch] for reply_id, epoch in marks.loaded.items()],
            "t": time.time(),
        }

    def argument(
        self,
        status: outbox_sql.OutboxStatus,
        view: Mapping[int, HeldLease],
        wants: Mapping[int, set[int]],
        *,
        fenced: bool,
    ) -> str:
        """The call's jsonb argument; with ``fenced`` (cluster mode), ``view`` (the leases
        believed held) and ``wants`` (each batch's shards, by group index) fence it."""
        return json.dumps(
            {
                "l": [[s, lease.member_id, lease.epoch] for s, lease in view.items()]
                if fenced
                else None,
                "m": self._marks,
                "w": [[index + 1, shard] for index, shards in wants.items() for shard in shards],
                "g": self._ledger,
                "e": self._events,
                "s": status,
                "r": self._replies,
            },
            separators=(",", ":"),
        )


def _applied(
    entry: LedgerEntry,
    stored_user: int,
    stored_amount: int,
    after: int,
    duplicate: bool,
    balance: int,
    result: BatchResult,
) -> AppliedEntry:
    """The outcome of a ledger entry ``records_write`` wrote (or found), counted in
    ``result`` as :func:`_write_ledger` counts it."""
    key = entry.idempotency_key
    if duplicate:
        if (stored_user, stored_amount) != (entry.user_id, entry.amount):
            log.warning(
                "ledger_key_reused_with_other_values",
                idempotency_key=key,
                stored_user_id=stored_user,
                user_id=entry.user_id,
            )
        result.duplicates.append(f"ledger:{key}")
    else:
        result.written += 1
    result.balances[stored_user] = balance
    return AppliedEntry(key, stored_user, stored_amount, after, duplicate=duplicate)


def _count_events(written: Sequence[tuple[_Ticket, BatchResult]], fresh: set[str]) -> int:
    """Count each written batch's events stored anew (``fresh``: their ids) or found stored;
    returns the bytes stored. A repeat of an event within the group is a duplicate."""
    size = 0
    for ticket, result in written:
        for event, (_, event_size) in zip(ticket.batch.events, ticket.encoded, strict=True):
            key = str(event.event_id)
            if key in fresh:
                fresh.discard(key)
                result.events_written += 1
                result.written += 1
                size += event_size
            else:
                result.duplicates.append(f"event:{key}")
    return size


def _count_replies(written: Sequence[tuple[_Ticket, BatchResult]], ids: dict[str, int]) -> None:
    """Give each written batch's replies their ids (``ids``: by dedupe key, the replies
    stored anew); None for a reply stored already (or earlier in the group)."""
    for ticket, result in written:
        for reply in ticket.batch.replies:
            result.reply_ids.append(ids.pop(reply.dedupe_key, None))


def _rows_of(width: int, count: int) -> str:
    """``(%s, ..., %s), ...``: the VALUES of ``count`` rows of ``width`` columns."""
    row = "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([row] * count)


def _scalar(cursor: Cursor) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def _backlog(cur: Cursor) -> outbox_sql.Backlog:
    cur.execute(
        "SELECT COUNT(*), COALESCE(SUM(size), 0), MIN(created_at) FROM outbox"
        " WHERE status = 'pending'"
    )
    row = cur.fetchone()
    assert row is not None
    return outbox_sql.Backlog(int(row[0]), int(row[1]), row[2])


def _users_of(batch: RecordBatch) -> set[int]:
    """Every player whose state the batch writes (their shards fence it)."""
    users = {p.user_id for p in batch.profiles}
    users.update(e.user_id for e in batch.ledger)
    users.update(s.user_id for s in batch.subscriptions)
    users.update(p.user_id for p in batch.payments)
    users.update(i.user_id for i in batch.items)
    users.update(e.user_id for e in batch.events if e.user_id is not None)
    users.update(r.user_id for r in batch.replies if r.user_id is not None)
    return users


def _write_ledger(cur: Cursor, entry: LedgerEntry, now: float, result: BatchResult) -> AppliedEntry:
    user_id, amount, key = entry.user_id, entry.amount, entry.idempotency_key
    # Lock the player's wallet first: a concurrent writer of the same key has committed by
    # the time the lock is ours, so the key lookup below sees it.
    # (One round trip: the upsert locks the row, new or not, and returns its balance.)
    cur.execute(
        "INSERT INTO wallets AS w (user_id, balance, updated_at) VALUES (%s, 0, %s)"
        " ON CONFLICT (user_id) DO UPDATE SET balance = w.balance RETURNING balance",
        (user_id, now),
    )
    balance = _scalar(cur)
    cur.execute(
        "SELECT user_id, amount, balance_after FROM ledger WHERE idempotency_key = %s", (key,)
    )
    existing = cur.fetchone()
    if existing is not None:
        stored_user, stored_amount, stored_after = (int(v) for v in existing)
        if (stored_user, stored_amount) != (user_id, amount):
            log.warning(
                "ledger_key_reused_with_other_values",
                idempotency_key=key,
                stored_user_id=stored_user,
                user_id=user_id,
            )
            cur.execute("SELECT balance FROM wallets WHERE user_id = %s", (stored_user,))
            balance = _scalar(cur)
        result.duplicates.append(f"ledger:{key}")
        result.balances[stored_user] = balance
        return AppliedEntry(key, stored_user, stored_amount, stored_after, duplicate=True)
    after = balance + amount
    if after < 0:
        raise InsufficientFunds(user_id, balance, -amount)
    cur.execute(
        "WITH entry AS (INSERT INTO ledger (user_id, amount, reason, idempotency_key,"
        " balance_after, created_at, correlation_id) VALUES (%s, %s, %s, %s, %s, %s, %s))"
        " UPDATE wallets SET balance = %s, updated_at = %s WHERE user_id = %s",
        (user_id, amount, entry.reason, key, after, now, entry.correlation_id, after, now, user_id),
    )
    result.written += 1
    result.balances[user_id] = after
    return AppliedEntry(key, user_id, amount, after, duplicate=False)


def _write_events(
    cur: Cursor,
    events: list[Event],
    encoded: list[tuple[str, int]],
    status: outbox_sql.OutboxStatus,
    now: float,
    result: BatchResult,
) -> int:
    size = 0
    for event, (body, event_size) in zip(events, encoded, strict=True):
        cur.execute(
            "INSERT INTO outbox (event_id, type, user_id, created_at, body, size, status)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING",
            (str(event.event_id), event.type, event.user_id, now, body, event_size, status),
        )
        if cur.rowcount == 1:
            result.events_written += 1
            result.written += 1
            size += event_size
        else:
            result.duplicates.append(f"event:{event.event_id}")
    return size
