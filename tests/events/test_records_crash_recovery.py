"""SIGKILL at random moments while batches are written and relayed: nothing twice, nothing lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crash_worker import STREAM, batch
from private_redis import RedisServer

WORKER = Path(__file__).with_name("crash_worker.py")
TOTAL = 4000
KILLS = 20


def start_worker(db: Path, server: RedisServer, pause_s: float) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(db), server.url, str(TOTAL), str(pause_s)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killed_writer_applies_every_batch_once_and_publishes_every_event(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    db = tmp_path / "records.db"
    rng = random.Random(20261126)
    progress = []
    for _ in range(KILLS):
        worker = start_worker(db, redis_server, pause_s=0.005)
        assert worker.stdout is not None
        assert worker.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.02, 0.4))
        worker.send_signal(signal.SIGKILL)
        _, err = worker.communicate()
        assert b"Traceback" not in err, err.decode()[-2000:]
        if db.exists():
            conn = sqlite3.connect(db)
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'ledger'").fetchone():
                progress.append(conn.execute("SELECT COUNT(*) FROM ledger").fetchone()[0])
            conn.close()
    mid_run = [n for n in progress if 0 < n < TOTAL]
    assert len(mid_run) >= KILLS // 2, f"kills must land mid-run; entries after each: {progress}"
    finisher = start_worker(db, redis_server, pause_s=0.0)
    out, err = finisher.communicate(timeout=120)
    assert finisher.returncode == 0 and out.split() == [b"ready", b"done"], err.decode()[-2000:]

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ledger = conn.execute("SELECT idempotency_key, user_id, amount FROM ledger").fetchall()
    expected = {f"crash:{n}": (n % 3, n % 7 + 1) for n in range(TOTAL)}
    assert {key: (user, amount) for key, user, amount in ledger} == expected
    assert len(ledger) == TOTAL  # no entry twice
    for user in range(3):
        balance = conn.execute("SELECT balance FROM wallets WHERE user_id = ?", (user,)).fetchone()
        assert balance[0] == sum(a for u, a in expected.values() if u == user)
    statuses = dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    assert statuses == {"sent": TOTAL}
    conn.close()

    client = redis_server.client()
    published = [fields[b"event_id"].decode() for _, fields in client.xrange(STREAM)]
    wanted = {str(event.event_id) for n in range(TOTAL) for event in batch(n).events}
    assert set(published) == wanted  # every event at least once (duplicates allowed)
