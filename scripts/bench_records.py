"""Records and outbox benchmark: ``RecordsDb.apply`` throughput and relay drain rate.

A typical update batch is one ledger entry and two outbox events (``update.processed`` and
``besitos.credited``). Measured in one run: one transaction per batch (``apply``), 50
batches per transaction (``apply_many``), ``apply`` from 4 threads at once, and the relay
draining the resulting backlog to the Redis at ``--redis`` (a unique stream key, deleted
afterwards).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import redis

from yabot.events.models import BesitosCredited, UpdateProcessed, make_event
from yabot.events.redis_client import redis_from_url
from yabot.events.relay import OutboxRelay
from yabot.observability.logging import configure_logging
from yabot.storage.records import LedgerEntry, RecordBatch, RecordsDb


def update_batch(run: str, n: int) -> RecordBatch:
    user = n % 1000
    key = f"{run}:{n}"
    return RecordBatch(
        ledger=[LedgerEntry(user, 5, "scene reward", key, correlation_id=key)],
        events=[
            make_event(
                UpdateProcessed(update_id=n, kind="callback_query"),
                user_id=user,
                correlation_id=key,
                idempotency_key=key,
            ),
            make_event(
                BesitosCredited(amount=5, reason="scene reward", balance_after=5),
                user_id=user,
                correlation_id=key,
                idempotency_key=key,
            ),
        ],
    )


def bench_single(records: RecordsDb, count: int) -> tuple[float, list[float]]:
    batches = [update_batch("single", n) for n in range(count)]
    latencies = []
    start = time.perf_counter()
    for batch in batches:
        t0 = time.perf_counter()
        records.apply(batch)
        latencies.append(time.perf_counter() - t0)
    return count / (time.perf_counter() - start), latencies


def bench_group(records: RecordsDb, count: int, group: int) -> float:
    batches = [update_batch("group", n) for n in range(count)]
    start = time.perf_counter()
    for offset in range(0, count, group):
        records.apply_many(batches[offset : offset + group])
    return count / (time.perf_counter() - start)


def bench_threads(records: RecordsDb, count: int, threads: int) -> float:
    per = count // threads
    work = [[update_batch(f"t{t}", n) for n in range(per)] for t in range(threads)]

    def run(batches: list[RecordBatch]) -> None:
        for batch in batches:
            records.apply(batch)

    pool = [threading.Thread(target=run, args=(w,)) for w in work]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return per * threads / (time.perf_counter() - start)


def bench_relay(
    records: RecordsDb, url: str, batch_size: int, *, use_script: bool
) -> tuple[int, float, float]:
    """Drain the outbox to Redis; returns (events, events/s, relay CPU µs per event)."""
    stream = f"bench:{uuid.uuid4().hex}:events"
    relay = OutboxRelay(
        records,
        client_factory=lambda: redis_from_url(url),
        stream=stream,
        channel=f"{stream}:live",
        batch_size=batch_size,
        use_script=use_script,
    )
    backlog = records.outbox_backlog().events
    start, cpu_start = time.perf_counter(), time.thread_time()
    published = 0
    while (n := relay.run_once()) > 0:
        published += n
    elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
    client = redis.Redis.from_url(url)
    assert client.xlen(stream) == backlog == published
    client.delete(stream)
    return published, published / elapsed, cpu / max(published, 1) * 1e6


def fresh(tmp: Path, name: str) -> RecordsDb:
    return RecordsDb(tmp / f"{name}.db", outbox_mode="relay", outbox_budget_bytes=1 << 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=5000)
    parser.add_argument("--group", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    configure_logging("WARNING")
    singles, groups, threads, p50s, p99s = [], [], [], [], []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for round_no in range(args.rounds):
            records = fresh(tmp, f"single{round_no}")
            rate, latencies = bench_single(records, args.batches)
            records.close()
            singles.append(rate)
            cuts = statistics.quantiles(latencies, n=100)
            p50s.append(cuts[49])
            p99s.append(cuts[98])
            records = fresh(tmp, f"group{round_no}")
            groups.append(bench_group(records, args.batches, args.group))
            records.close()
            records = fresh(tmp, f"threads{round_no}")
            threads.append(bench_threads(records, args.batches, args.threads))
            if round_no < args.rounds - 1:
                records.close()
        med = statistics.median
        print(
            f"{args.rounds} rounds of {args.batches} batches (1 ledger entry + 2 events), "
            "fresh database per mode; medians"
        )
        print(
            f"apply, 1 batch/transaction:   {med(singles):8.0f} batches/s "
            f"(p50 {med(p50s) * 1e3:.3f} ms, p99 {med(p99s) * 1e3:.3f} ms)"
        )
        print(
            f"apply_many, {args.group} batches/tx:   {med(groups):8.0f} batches/s "
            f"({med(groups) / med(singles):.1f}x)"
        )
        print(f"apply from {args.threads} threads:        {med(threads):8.0f} batches/s")
        drained: dict[bool, tuple[int, float, float]] = {}
        for use_script in (False, True):
            if use_script:  # the same backlog again: the same batches from 4 threads
                records.close()
                records = fresh(tmp, "relay")
                bench_threads(records, args.batches, args.threads)
            drained[use_script] = bench_relay(records, args.redis, 500, use_script=use_script)
        for use_script, label in ((False, "pipeline"), (True, "script  ")):
            published, rate, cpu_us = drained[use_script]
            print(
                f"relay drain, {label}:        {rate:8.0f} events/s ({published} events, "
                f"XADD + PUBLISH, 500 per call; relay CPU {cpu_us:.1f} µs per event)"
            )
        print(
            "relay CPU per event, pipeline / script: "
            f"{drained[False][2] / max(drained[True][2], 1e-9):.1f}x"
        )
        records.close()


if __name__ == "__main__":
    main()
