"""Property: the outbox keeps each event once, in first-write order, and its budget counts
match what is stored, whatever mix of replays, refusals and relay progress happens."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from yabot.events.models import SceneRead, make_event
from yabot.storage.records import (
    InsufficientFunds,
    LedgerEntry,
    OutboxFull,
    RecordBatch,
    RecordsDb,
)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("apply"), st.integers(0, 15), st.booleans()),
        st.tuples(st.just("send"), st.integers(1, 5), st.just(False)),
    ),
    max_size=40,
)


def batch(key: int, overdraw: bool) -> RecordBatch:
    events = [
        make_event(SceneRead(story="s", scene=str(key)), user_id=key % 3, idempotency_key=str(key))
    ]
    ledger = [LedgerEntry(key % 3, -10_000 if overdraw else 1, "p", f"k{key}:{overdraw}")]
    return RecordBatch(ledger=ledger, events=events)


@settings(max_examples=60, deadline=None)
@given(script=steps, budget=st.integers(900, 4000))
def test_outbox_order_uniqueness_and_budget_accounting(
    script: list[tuple[str, int, bool]], budget: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = RecordsDb(Path(tmp) / "r.db", outbox_mode="relay", outbox_budget_bytes=budget)
        try:
            written_order: list[str] = []
            published: list[str] = []
            for action, value, flag in script:
                if action == "apply":
                    try:
                        result = db.apply(batch(value, flag))
                    except OutboxFull:
                        continue
                    except InsufficientFunds:
                        assert flag  # only an overdraw may fail
                        continue
                    if result.events_written:
                        written_order.append(str(value))
                else:
                    rows = db.outbox_pending(value)
                    published += [r.body for r in rows]
                    db.outbox_mark_sent([r.seq for r in rows])
                fast, exact = db.outbox_backlog_fast(), db.outbox_backlog()
                assert (fast.events, fast.bytes) == (exact.events, exact.bytes)
                assert exact.bytes <= budget
            published += [r.body for r in db.outbox_pending(1000)]
            scenes = [body.split('"scene":"')[1].split('"')[0] for body in published]
            assert scenes == written_order
            assert len(set(scenes)) == len(scenes)
        finally:
            db.close()
