"""The load test and the end-to-end bench run for a few seconds and measure real replies."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_locust_players_play_through_polling_bot(tmp_path: Path) -> None:
    done = _run(
        [
            "loadtests.run_load",
            "--players",
            "4",
            "--spawn-rate",
            "4",
            "--duration",
            "8s",
            "--mode",
            "polling",
            "--reports",
            str(tmp_path),
            "--name",
            "smoke",
        ],
        env={
            "LOADTEST_THINK_MIN_S": "0.5",
            "LOADTEST_THINK_MAX_S": "1",
            "LOADTEST_FIRST_USER_ID": "4200000",
        },
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with (tmp_path / "smoke_stats.csv").open() as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    assert int(rows["/start"]["Request Count"]) >= 4, "every player started the story"
    actions = int(rows["Aggregated"]["Request Count"])
    assert actions > 8, "players kept playing after /start"
    assert int(rows["Aggregated"]["Failure Count"]) == 0
    assert 0 < float(rows["Aggregated"]["Median Response Time"]) < 10_000
    assert (tmp_path / "smoke.html").stat().st_size > 1000


def test_bench_compares_both_bots_and_ends_with_json() -> None:
    done = _run(
        [
            "loadtests.bench",
            "--users",
            "5",
            "--per-user",
            "3",
            "--rounds",
            "1",
            "--players",
            "20",
            "--interval",
            "1",
            "--duration",
            "2",
            "--levels",
            "1.0",
            "--resident",
            "60",
        ]
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print(done.stdout)  # shown by pytest when an assertion below fails
    compare = report["compare"]
    for bot in ("yabot", "bare"):
        assert compare[bot]["failures"] == 0, compare[bot]
        assert compare[bot]["rounds"][0]["replied"] == 15, "every update got its reply"
        assert 0 < compare[bot]["p50_ms"] <= compare[bot]["p99_ms"]
    assert compare["throughput_ratio"] > 0
    assert report["load"][0]["yabot"]["failures"] == 0
    assert report["resident"]["resident"] >= 60
    assert report["yabot_peak_rss_mb"] > 50
