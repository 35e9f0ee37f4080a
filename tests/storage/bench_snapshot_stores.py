"""Group-commit benchmark of the snapshot stores: snapshots/s at batch 500 vs batch 1.

Run: .venv/bin/python tests/storage/bench_snapshot_stores.py [--snapshots N] [--state-bytes B]
Both stores and both batch sizes run in one process, so the ratios are comparable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from yabot.storage.snapshots.base import Snapshot, SnapshotStore
from yabot.storage.snapshots.mongo import MongoSnapshotStore
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore


def run(store: SnapshotStore, batch: int, total: int, state: bytes, prefix: str) -> float:
    """Write ``total`` snapshots of ``total // 10`` keys in calls of ``batch``; snapshots/s."""
    keys = [f"{prefix}:{i}" for i in range(max(batch, total // 10))]
    versions = dict.fromkeys(keys, 0)
    written = 0
    started = time.perf_counter()
    cursor = 0
    while written < total:
        chunk = []
        for _ in range(min(batch, total - written)):
            key = keys[cursor % len(keys)]
            cursor += 1
            versions[key] += 1
            chunk.append(Snapshot(key, versions[key], cursor, state, time.time()))
        outcomes = store.save_many(chunk)
        assert all(o.saved for o in outcomes), "benchmark writes must all be stored"
        written += len(chunk)
    return written / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshots", type=int, default=5000)
    parser.add_argument("--single", type=int, default=1500, help="snapshots written at batch 1")
    parser.add_argument("--state-bytes", type=int, default=15_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    state = os.urandom(args.state_bytes)
    with tempfile.TemporaryDirectory() as tmp:
        from secantus import SecantusDBServer

        stores: list[tuple[str, SnapshotStore]] = [
            ("sqlite", SqliteSnapshotStore(Path(tmp) / "s.sqlite3")),
        ]
        uri = os.environ.get("YABOT_TEST_MONGODB_URI")
        server = None
        if not uri:
            server = SecantusDBServer(storage_path=str(Path(tmp) / "mongo"))
            server.start()
            uri = server.uri
        stores.append(("mongo", MongoSnapshotStore(uri, database="yabot_bench", timeout_ms=30_000)))
        try:
            for name, store in stores:
                single: list[float] = []
                grouped: list[float] = []
                for rnd in range(args.rounds):  # interleaved: noise hits both sizes alike
                    single.append(run(store, 1, args.single, state, f"{name}-b1-{rnd}"))
                    grouped.append(run(store, 500, args.snapshots, state, f"{name}-b500-{rnd}"))
                one, many = statistics.median(single), statistics.median(grouped)
                print(
                    f"{name:6s} state={args.state_bytes}B  batch 1: {one:8.0f} snapshots/s  "
                    f"batch 500: {many:8.0f} snapshots/s  ratio {many / one:5.1f}x  "
                    f"(median of {args.rounds} interleaved rounds)"
                )
                store.close()
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
