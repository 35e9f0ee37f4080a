"""Append cost of the durable inbox (schema 2: arrival seq, fingerprint, encrypted payload)
next to the plaintext, id-keyed insert of schema 1, in one process.

Run: .venv/bin/python tests/storage/bench_inbox.py [--updates N] [--batch B]
Prints microseconds per update for: the schema-1 insert (the same SQL as before, in a table
of its own), schema 2 whole, and schema 2's parts (encryption, fingerprint). Ratios are
comparable within one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.fernet import Fernet

from yabot.security.crypto import Encryptor
from yabot.storage.inbox import Arrival, Inbox, fingerprint
from yabot.storage.sqlite_util import LockedConnection, connect


def _body(i: int) -> bytes:
    user = i % 5000
    return json.dumps(
        {
            "update_id": i,
            "message": {
                "message_id": i,
                "date": 1_796_600_000,
                "chat": {"id": user, "type": "private", "first_name": "Ana"},
                "from": {"id": user, "is_bot": False, "first_name": "Ana", "language_code": "en"},
                "text": "me siento un poco triste hoy, la verdad",
            },
        }
    ).encode()


def schema_1(bodies: list[bytes], batch: int, directory: Path) -> float:
    db = LockedConnection(connect(directory / "v1.sqlite3", busy_timeout_ms=5000))
    with db.transaction() as conn:
        conn.execute(
            "CREATE TABLE inbox (update_id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, "
            "payload BLOB NOT NULL, received_at REAL NOT NULL, replied INTEGER NOT NULL "
            "DEFAULT 0, covered INTEGER NOT NULL DEFAULT 0)"
        )
        conn.execute("CREATE INDEX inbox_user ON inbox (user_id, update_id)")
        conn.execute("CREATE INDEX inbox_covered_age ON inbox (received_at) WHERE covered = 1")
    started = time.perf_counter()
    for i in range(0, len(bodies), batch):
        with db.transaction() as conn:
            for j in range(i, min(i + batch, len(bodies))):
                conn.execute(
                    "INSERT OR IGNORE INTO inbox (update_id, user_id, payload, received_at) "
                    "VALUES (?, ?, ?, ?)",
                    (j, j % 5000, bodies[j], 1.0),
                )
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed / len(bodies) * 1e6


def schema_2(bodies: list[bytes], batch: int, directory: Path) -> float:
    box = Inbox(directory / "v2.sqlite3", encryptor=Encryptor([Fernet.generate_key()]))
    started = time.perf_counter()
    for i in range(0, len(bodies), batch):
        box.append_many(
            [Arrival(j, j % 5000, bodies[j], 1.0) for j in range(i, min(i + batch, len(bodies)))]
        )
    elapsed = time.perf_counter() - started
    box.close()
    return elapsed / len(bodies) * 1e6


def per_item(fn: object, bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        fn(body)  # type: ignore[operator]
    return (time.perf_counter() - started) / len(bodies) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    bodies = [_body(i) for i in range(args.updates)]
    encryptor = Encryptor([Fernet.generate_key()])
    print(f"load average {os.getloadavg()[0]:.2f}, {args.updates} updates, batches of {args.batch}")
    for round_ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            old = schema_1(bodies, args.batch, Path(tmp))
            new = schema_2(bodies, args.batch, Path(tmp))
        seal = per_item(encryptor.encrypt_bytes, bodies)
        digest = per_item(fingerprint, bodies)
        print(
            f"round {round_ + 1}: schema 1 {old:.1f} us/update, schema 2 {new:.1f} us/update "
            f"({new / old:.2f}x; of which encryption {seal:.1f}, fingerprint {digest:.1f})"
        )


if __name__ == "__main__":
    main()
