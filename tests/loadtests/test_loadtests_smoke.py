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


def _run_load(
    reports: Path, duration: str, first_user_id: int, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return _run(
        [
            "loadtests.run_load",
            "--players",
            "4",
            "--spawn-rate",
            "4",
            "--duration",
            duration,
            "--mode",
            "polling",
            "--reports",
            str(reports),
            "--name",
            "smoke",
        ],
        env={
            "LOADTEST_THINK_MIN_S": "0.5",
            "LOADTEST_THINK_MAX_S": "1",
            "LOADTEST_FIRST_USER_ID": str(first_user_id),
            **(env or {}),
        },
    )


def test_locust_players_play_through_polling_bot(tmp_path: Path) -> None:
    done = _run_load(tmp_path, "8s", 4_200_000)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with (tmp_path / "smoke_stats.csv").open() as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    assert int(rows["/start"]["Request Count"]) >= 4, "every player started the story"
    actions = int(rows["Aggregated"]["Request Count"])
    assert actions > 8, "players kept playing after /start"
    assert int(rows["Aggregated"]["Failure Count"]) == 0
    assert 0 < float(rows["Aggregated"]["Median Response Time"]) < 10_000
    assert (tmp_path / "smoke.html").stat().st_size > 1000
    totals = json.loads((tmp_path / "smoke_totals.json").read_text())
    assert totals["requests"] >= actions, "the final counts include what the CSV last saw"
    assert totals["failures"] == 0
    assert totals["by_name"]["/start"]["requests"] >= 4
    assert f"{totals['requests']} player interactions, 0 failures" in done.stdout


def test_a_reply_later_than_the_timeout_fails_the_load_test(tmp_path: Path) -> None:
    done = _run_load(tmp_path, "4s", 4_300_000, {"LOADTEST_REPLY_TIMEOUT_S": "0.000001"})
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    totals = json.loads((tmp_path / "smoke_totals.json").read_text())
    assert totals["failures"] >= 4, "every player's /start counted as failed"
    assert totals["failures"] == totals["requests"]
    assert f"{totals['requests']} player interactions, {totals['failures']} failures" in done.stdout


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
    # Every resident player is mid-story: the story players played /start and 5 moments
    # through the webhook, the others were seeded with their saved states.
    assert report["story_players"]["refused_posts"] == 0
    assert report["seeded"]["source_turns_min"] >= 6
    assert report["seeded"]["seeded"] == 60 - report["story_players"]["players"]
    assert report["yabot_peak_rss_mb"] > 50
