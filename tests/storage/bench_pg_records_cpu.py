"""Client CPU of one PostgreSQL records transaction, as a cluster member pays it (fenced by a
lease, loaded under its epoch): a typical turn's batch (one event, one reply) applied alone,
and (for comparison) one with a ledger credit too.

Run: PYTHONPATH=$PWD .venv/bin/python tests/storage/bench_pg_records_cpu.py [--batches N]
A throwaway PostgreSQL is started here (never the shared server; fsync off). Prints, per
batch, the client CPU (``time.process_time``), the server CPU (the postmaster's process tree)
and the wall time; medians of the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psutil
import psycopg

from yabot.cluster.leases import SCHEMA, Lease
from yabot.cluster.local_postgres import LocalPostgres
from yabot.events.models import BesitosCredited, SceneRead, make_event
from yabot.storage.lease_source import LoadedUnder
from yabot.storage.postgres.pool import open_pool
from yabot.storage.postgres.records import PgRecords
from yabot.storage.records import LedgerEntry, OutgoingReply, RecordBatch

SHARDS = 16
ME = "member-a"


@dataclass
class Held:
    """Every shard held under epoch 1 (what a coordinator believes it holds)."""

    shards: int

    def lease(self, shard: int) -> Lease:
        return Lease(shard, 1, ME)

    def refused(self, lease: object) -> None:
        raise AssertionError("no refusal expected")


def turn(prefix: str, n: int, ledger: bool) -> RecordBatch:
    user = n % 500
    key = f"{prefix}:{n}"
    event = (
        make_event(
            BesitosCredited(amount=1, reason="bench", balance_after=1),
            user_id=user,
            idempotency_key=key,
        )
        if ledger
        else make_event(SceneRead(story="s", scene=f"k{n}"), user_id=user, idempotency_key=key)
    )
    return RecordBatch(
        ledger=[LedgerEntry(user, 1, "bench", key)] if ledger else [],
        events=[event],
        replies=[OutgoingReply(f"{key}:0", n, user, "sendMessage", {"text": "hola"}, user, n)],
        loaded_under=LoadedUnder(user, 1),
    )


def server_cpu(server: LocalPostgres) -> float:
    """CPU seconds the postmaster and its children (the backends) used so far."""
    pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for process in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def run(
    records: PgRecords, server: LocalPostgres, prefix: str, total: int, ledger: bool
) -> tuple[float, float, float]:
    """Microseconds of client CPU, server CPU and wall time per batch."""
    batches = [turn(prefix, n, ledger) for n in range(total)]
    cpu, served, wall = time.process_time(), server_cpu(server), time.perf_counter()
    for batch in batches:
        records.apply(batch)
    return (
        (time.process_time() - cpu) / total * 1e6,
        (server_cpu(server) - served) / total * 1e6,
        (time.perf_counter() - wall) / total * 1e6,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with LocalPostgres(durable=False) as server:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO shard_leases (shard, owner, epoch, expires_at, acquired_at)"
                " SELECT s, %s, 1, now() + interval '1 hour', now()"
                " FROM generate_series(0, %s) s",
                (ME, SHARDS - 1),
            )
        pool = open_pool(server.dsn, max_size=2)
        records = PgRecords(pool, leases=Held(SHARDS), outbox_mode="relay")
        run(records, server, "warm", 300, False)
        for ledger in (False, True):
            rounds = [
                run(records, server, f"{ledger}-{rnd}", args.batches, ledger)
                for rnd in range(args.rounds)
            ]
            client, served, wall = (statistics.median(r[i] for r in rounds) for i in range(3))
            name = "event+reply+credit" if ledger else "event+reply"
            print(
                f"{name:20s} client CPU {client:6.1f} us/batch  server CPU {served:6.1f}"
                f"  wall {wall:6.1f}  (median of {args.rounds} rounds of {args.batches};"
                f" client CPU per round {', '.join(f'{r[0]:.0f}' for r in rounds)})"
            )
        pool.close()


if __name__ == "__main__":
    main()
