"""Records adapters compared: batches/s of ``apply`` (one transaction each) and of
``apply_many`` (group commits of 100), SQLite against PostgreSQL, in one run.

Run: .venv/bin/python tests/storage/bench_records_stores.py [--batches N] [--rounds R]
PostgreSQL is a throwaway server started here (``durable=True``: fsync on, as in production).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from yabot.cluster.local_postgres import LocalPostgres
from yabot.events.models import BesitosCredited, make_event
from yabot.storage.postgres.pool import open_pool
from yabot.storage.postgres.records import PgRecords
from yabot.storage.records import LedgerEntry, OutgoingReply, RecordBatch, RecordsDb
from yabot.storage.records.base import RecordsStore


def batch(prefix: str, n: int) -> RecordBatch:
    """A typical transition's batch: a credit, its event and one reply."""
    user = n % 500
    key = f"{prefix}:{n}"
    return RecordBatch(
        ledger=[LedgerEntry(user, 1, "bench", key)],
        events=[
            make_event(
                BesitosCredited(amount=1, reason="bench", balance_after=1),
                user_id=user,
                idempotency_key=key,
            )
        ],
        replies=[OutgoingReply(f"{key}:0", n, user, "sendMessage", {"text": "+1"}, user, n)],
    )


def run(store: RecordsStore, total: int, group: int, prefix: str) -> float:
    started = time.perf_counter()
    if group == 1:
        for n in range(total):
            store.apply(batch(prefix, n))
    else:
        for start in range(0, total, group):
            store.apply_many([batch(prefix, n) for n in range(start, start + group)])
    return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LocalPostgres(durable=True) as server:
        pool = open_pool(server.dsn, max_size=4)
        stores: list[tuple[str, RecordsStore]] = [
            ("sqlite", RecordsDb(Path(tmp) / "records.db")),
            ("postgres", PgRecords(pool)),
        ]
        for name, store in stores:
            single: list[float] = []
            grouped: list[float] = []
            for rnd in range(args.rounds):
                single.append(run(store, args.batches, 1, f"{name}-1-{rnd}"))
                grouped.append(run(store, args.batches, 100, f"{name}-100-{rnd}"))
            one, many = statistics.median(single), statistics.median(grouped)
            print(
                f"{name:8s} apply: {one:7.0f} batches/s  apply_many(100): {many:7.0f} batches/s"
                f"  (median of {args.rounds} interleaved rounds of {args.batches})"
            )
            store.close()
        pool.close()


if __name__ == "__main__":
    main()
