"""The benchmark harness runs and reports every figure (tiny sizes, not a performance test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", ["pooled", "threading", "directory"])
def test_bench_scenario_reports_its_figures(kind: str) -> None:
    command = [
        sys.executable,
        str(ROOT / "scripts" / "bench_actors.py"),
        "--scenario",
        kind,
        "--actors",
        "50",
    ]
    command += ["--tells", "500", "--asks", "160", "--workers", "2"]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["kind"] == kind and figures["actors"] == 50
    assert figures["tells"] == 500 and figures["asks"] == 160
    for key in ["rss_mb", "start_s", "tell_per_s", "ask_p50_ms", "ask_p99_ms"]:
        assert figures[key] > 0
    assert figures["ask_p50_ms"] <= figures["ask_p99_ms"]
