"""Writes numbered batches (ledger entry + event) with the relay running; killed by the test.

Usage: crash_worker.py DB REDIS_URL TOTAL PAUSE_S (pause after each new batch). Each run
replays from batch 0, as an actor replays its inbox after a crash; a finished run waits until
the relay has published everything.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from yabot.events.models import BesitosCredited, make_event
from yabot.events.redis_client import redis_from_url
from yabot.events.relay import OutboxRelay
from yabot.observability.logging import configure_logging
from yabot.resilience import CircuitBreaker
from yabot.storage.records import LedgerEntry, RecordBatch, RecordsDb

STREAM = "crash:events"


def batch(n: int) -> RecordBatch:
    key = f"crash:{n}"
    amount = n % 7 + 1
    return RecordBatch(
        ledger=[LedgerEntry(n % 3, amount, "crash test", key)],
        events=[
            make_event(
                BesitosCredited(amount=amount, reason="crash test", balance_after=1),
                user_id=n % 3,
                idempotency_key=key,
            )
        ],
    )


def main() -> None:
    configure_logging("ERROR")
    path, url, total = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    pause_s = float(sys.argv[4])
    records = RecordsDb(path, outbox_mode="relay")
    relay = OutboxRelay(
        records,
        client_factory=lambda: redis_from_url(url),
        stream=STREAM,
        batch_size=50,
        interval_s=0.01,
        breaker=CircuitBreaker("redis", failure_threshold=3, reset_s=0.2),
    )
    relay.start()
    print("ready", flush=True)
    for n in range(total):
        if records.apply(batch(n)).written and pause_s:
            time.sleep(pause_s)
    while records.outbox_backlog().events:
        time.sleep(0.01)
    relay.stop()
    records.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
