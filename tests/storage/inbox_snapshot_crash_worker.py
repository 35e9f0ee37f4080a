"""A process that accepts updates like the bot does, for the SIGKILL recovery test.

Usage: inbox_snapshot_crash_worker.py DATA_DIR FIRST_UPDATE LAST_UPDATE
Recovers every user (snapshot + inbox replay), then for each update id in the range:
appends it to the inbox, prints ``ack <id>`` (the acknowledgement Telegram would get), applies
it to the user's state and submits a snapshot. ``DATA_DIR verify`` prints the recovered states.
A user's state is the list of update ids applied to it, so a lost or doubled update shows.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from yabot.security.crypto import Encryptor
from yabot.storage.inbox import INBOX_FILE_NAME, Inbox
from yabot.storage.snapshots.base import NO_UPDATE, Snapshot, SnapshotStore
from yabot.storage.snapshots.sqlite import SqliteSnapshotStore
from yabot.storage.snapshots.writer import SnapshotWriter

USERS = 3
KEY = "x2VnH0rC2O3u8xRk5i8gqJ2s0yRkq3b8T2v3M6G8f9E="  # every run of the worker reads the same inbox


def user_of(update_id: int) -> int:
    return update_id % USERS


def recover(store: SnapshotStore, inbox: Inbox, user: int) -> tuple[list[int], int, int]:
    """State, next version to submit and last applied inbox seq of ``user``."""
    snapshot = store.load(f"user:{user}")
    state: list[int] = [] if snapshot is None else json.loads(snapshot.state)
    last = NO_UPDATE if snapshot is None else snapshot.seq
    for entry in inbox.entries_after(user, last):
        state.append(entry.update_id)
        last = entry.seq
    return state, (1 if snapshot is None else snapshot.version + 1), last


def main() -> None:
    data_dir = Path(sys.argv[1])
    store = SqliteSnapshotStore(data_dir / "snapshots.sqlite3")
    inbox = Inbox(data_dir / INBOX_FILE_NAME, encryptor=Encryptor([KEY]))
    if sys.argv[2] == "verify":
        print(json.dumps({u: recover(store, inbox, u)[0] for u in range(USERS)}))
        return
    writer = SnapshotWriter(store, batch_size=50, every_transitions=4, every_s=0.02)

    def prune(durable: Sequence[Snapshot]) -> None:
        inbox.prune_many((int(s.key.split(":")[1]), s.seq) for s in durable)

    writer.on_durable(prune)
    writer.start()
    users = {u: recover(store, inbox, u) for u in range(USERS)}
    for update_id in range(int(sys.argv[2]), int(sys.argv[3]) + 1):
        user = user_of(update_id)
        stored = inbox.append(update_id, user, json.dumps({"update_id": update_id}), time.time())
        if stored.new:
            state, version, _ = users[user]
            state.append(update_id)
            users[user] = (state, version, stored.seq)
            writer.submit(
                Snapshot(
                    f"user:{user}", version, stored.seq, json.dumps(state).encode(), time.time()
                )
            )
        print(f"ack {update_id}", flush=True)
        time.sleep(0.0005)
    writer.stop(timeout=10)
    print("done", flush=True)


if __name__ == "__main__":
    main()
