"""``scripts/chaos --quick`` passes: under a SIGKILL, a SIGSTOP past the lease and a fourth
instance joining, nothing accepted is lost or applied twice, order holds per player, failover
stays within twice the lease, and the paused instance's late writes are refused.

The script is run as a user runs it (its own PostgreSQL, Redis, emulator, front, instances);
its last line is the JSON report, read here, never its exit status alone.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from yabot.cluster.local import cluster_mode_available
from yabot.cluster.local_postgres import PostgresUnavailable, find_bin_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_chaos_quick(tmp_path: Path) -> None:
    try:
        find_bin_dir()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    if not cluster_mode_available():
        pytest.skip("this build has no cluster mode")
    done = subprocess.run(
        [str(ROOT / "scripts" / "chaos"), "--quick", "--workdir", str(tmp_path / "cluster")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = done.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, ValueError):
        pytest.fail(f"no JSON report: {done.stdout[-2000:]} {done.stderr[-3000:]}")
    details = report["details"]
    context = json.dumps(
        {
            k: details.get(k)
            for k in (
                "lost",
                "doubled",
                "order",
                "lost_examples",
                "chaos",
                "wait_s",
                "wait_s_before_join",
                "slowest",
                "handoffs",
                "lease_renewal_gap_max_s",
                "host",
            )
        }
    )
    assert details["cluster_mode"] is True
    assert report["accepted"] > 1000, context  # the players played through the chaos
    assert report["lost"] == 0, context
    assert report["doubled_effects"] == 0, context
    assert report["order_violations"] == 0, context
    assert report["applied_once"] == report["accepted"], context
    assert report["failover_s_max"] <= 2 * details["lease_timeout_s"], context
    assert report["fenced_writes"] >= 1, context
    assert done.returncode == 0, done.stderr[-3000:]
