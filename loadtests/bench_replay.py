"""Replay benchmark: what a load costs when the player's inbox entries were applied before.

A crash (or a takeover in cluster mode) leaves players whose last entries were applied (records
and replies committed) but not covered by a snapshot yet; their next load replays them. Each
player here has played ``/start``, ``/c1``, ``/daily``, ``/c3`` without a snapshot; then a new
repository (a process started again on the same stores) loads every player, in two modes,
alternating for ``--rounds`` rounds:

- ``written``: every replayed entry goes through the records (which find its keys stored);
- ``found``: an entry whose replies are found stored as the replay makes them writes nothing
  (``apply_update(stored_replies=)``, the product's path).

CPU per load (this process, and the PostgreSQL server's with ``--postgres``) and wall time.
The last line is one JSON object with the medians and the ratios written/found.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from cryptography.fernet import Fernet

from loadtests.drive import make_update
from yabot.config import load_settings
from yabot.narrative import NarrativeEngine
from yabot.observability.logging import configure_logging
from yabot.player.actor import PlayerEffects
from yabot.player.feelings import EmotionFeelings
from yabot.player.logic import PlayerLogic
from yabot.player.repository import PlayerRepository
from yabot.security.crypto import Encryptor
from yabot.storage.inbox import Inbox, InboxEntry
from yabot.storage.records import RecordsDb
from yabot.storage.records.base import RecordsStore
from yabot.storage.replies import ReplyOutbox
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore
from yabot.storage.snapshots.writer import SnapshotWriter

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_795_000_000.0
TEXTS = ("/start", "/c1", "/daily", "/c3")


class WritingRepository(PlayerRepository):
    """Finds no stored replies: every replayed entry goes through the records."""

    def stored_replies(self, entries: Sequence[InboxEntry]) -> dict[str, tuple[str, str]]:
        return {}


def one_round(
    data_dir: Path,
    records: RecordsStore,
    players: int,
    found: bool,
    server_cpu: Callable[[], float],
) -> dict[str, float]:
    """Seed ``players`` (four entries each, applied, no snapshot), then load them all again."""
    settings = load_settings(
        ROOT / "config.toml",
        {
            "YABOT_STORAGE__DATA_DIR": str(data_dir),
            "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
        },
    )
    encryptor = Encryptor([Fernet.generate_key()])
    logic = PlayerLogic(settings, NarrativeEngine.from_settings(settings.story), EmotionFeelings())
    effects = PlayerEffects(
        logic, records, lambda *_: None, lambda *_: None, 1, submit=lambda *_: None
    )
    inbox = Inbox(data_dir / "inbox.sqlite3", encryptor=encryptor, shards=8)
    store = SqliteSnapshotStore(data_dir / "snapshots.sqlite3")

    def repository(kind: type[PlayerRepository] = PlayerRepository) -> PlayerRepository:
        writer = SnapshotWriter(store, batch_size=50, every_transitions=1, every_s=60)
        repo = kind(store, writer, inbox, encryptor, records, ReplyOutbox(records), shards=8)
        repo.bind(effects)
        return repo

    try:
        users = [700_000 + i for i in range(players)]
        seeding, update_id = repository(), 1_000
        for user in users:
            for n, text in enumerate(TEXTS):
                update_id += 1
                payload = json.dumps(make_update(update_id, user, text)).encode()
                inbox.append(update_id, user, payload, T0 + n)
            seeding.load(user)
        loading = repository(PlayerRepository if found else WritingRepository)
        server, cpu, wall = server_cpu(), time.process_time(), time.perf_counter()
        for user in users:
            loading.load(user)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        server = server_cpu() - server
    finally:
        inbox.close()
        store.close()
    return {
        "cpu_ms": 1000 * cpu / players,
        "server_cpu_ms": 1000 * server / players,
        "wall_ms": 1000 * wall / players,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--postgres", action="store_true", help="records on a throwaway PostgreSQL (cluster mode)"
    )
    args = parser.parse_args()
    configure_logging("WARNING", json_logs=True)
    rows: dict[str, list[dict[str, float]]] = {"written": [], "found": []}
    with ExitStack() as stack:
        server_cpu: Callable[[], float] = lambda: 0.0  # noqa: E731
        if args.postgres:
            import psycopg

            from yabot.cluster.local import tree_cpu_seconds
            from yabot.cluster.local_postgres import LocalPostgres
            from yabot.storage.postgres.pool import open_pool
            from yabot.storage.postgres.records import PgRecords

            pg = stack.enter_context(LocalPostgres(durable=False))
            postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
            server_cpu = lambda: tree_cpu_seconds([postmaster])  # noqa: E731
        for _ in range(args.rounds):
            for mode in ("written", "found"):
                with tempfile.TemporaryDirectory() as tmp:
                    if args.postgres:
                        with psycopg.connect(pg.dsn, autocommit=True) as conn:
                            conn.execute("DROP SCHEMA public CASCADE")
                            conn.execute("CREATE SCHEMA public")
                        pool = open_pool(pg.dsn, max_size=4)
                        records: RecordsStore = PgRecords(pool)
                    else:
                        records = RecordsDb(Path(tmp) / "records.db")
                    try:
                        row = one_round(
                            Path(tmp), records, args.players, mode == "found", server_cpu
                        )
                    finally:
                        records.close()
                        if args.postgres:
                            pool.close()
                rows[mode].append(row)
                print(mode, {k: round(v, 3) for k, v in row.items()}, flush=True)
    medians = {
        mode: {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
        for mode, runs in rows.items()
    }
    total = {m: medians[m]["cpu_ms"] + medians[m]["server_cpu_ms"] for m in medians}
    print(
        json.dumps(
            {
                "players": args.players,
                "entries_per_player": len(TEXTS),
                "records": "postgres" if args.postgres else "sqlite",
                "median_per_load": medians,
                "cpu_written_over_found": round(total["written"] / total["found"], 2),
                "wall_written_over_found": round(
                    medians["written"]["wall_ms"] / medians["found"]["wall_ms"], 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
