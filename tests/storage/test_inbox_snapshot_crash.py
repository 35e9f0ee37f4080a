"""SIGKILL a process that accepts updates and snapshots state, at random moments, many times:
after recovery every acknowledged update is applied exactly once, in order."""

from __future__ import annotations

import json
import random
import select
import subprocess
import sys
import time
from pathlib import Path

WORKER = Path(__file__).with_name("inbox_snapshot_crash_worker.py")
ENDLESS = 10**9


def start(data_dir: Path, first: int, last: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir), str(first), str(last)],
        stdout=subprocess.PIPE,
        text=True,
    )


def wait_for_first_ack(proc: subprocess.Popen[str], timeout: float = 60.0) -> list[str]:
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            assert line, "the worker exited before accepting anything"
            lines.append(line)
            if line.startswith("ack "):
                return lines
    raise AssertionError("the worker accepted nothing within a minute")


def acks(lines: list[str]) -> list[int]:
    return [int(line.split()[1]) for line in lines if line.startswith("ack ")]


def test_killed_worker_recovers_every_acknowledged_update_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    acked = -1
    kills_while_working = 0
    kills_while_recovering = 0
    while kills_while_working < 20:
        # Telegram redelivers everything after the last acknowledgement, plus a few repeats.
        proc = start(tmp_path, max(0, acked - rng.randint(0, 40)), ENDLESS)
        lines: list[str] = []
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0.0, 0.3))  # often mid start-up or mid-recovery
        else:
            lines = wait_for_first_ack(proc)
            time.sleep(rng.uniform(0.0, 0.4))
        proc.kill()
        out, _ = proc.communicate()
        seen = acks(lines + out.splitlines())
        kills_while_working += bool(seen)
        kills_while_recovering += not seen
        acked = max([acked, *seen])
    final_last = acked + 50
    proc = start(tmp_path, max(0, acked - 3), final_last)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.rstrip().endswith("done")
    verify = subprocess.run(
        [sys.executable, str(WORKER), str(tmp_path), "verify"],
        capture_output=True,
        text=True,
        check=True,
    )
    states = {int(user): ids for user, ids in json.loads(verify.stdout).items()}
    assert acked > 100, "the workers made too little progress to test anything"
    for user, ids in states.items():
        assert ids == [u for u in range(final_last + 1) if u % 3 == user]
