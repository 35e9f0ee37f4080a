"""``scripts/loadtest``: start the emulator and YABOT, run locust headless, stop everything.

Writes ``<reports>/<name>_stats.csv`` (and the other locust CSVs) and ``<reports>/<name>.html``
and prints locust's summary. Exit status 1 when any player interaction failed.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

from loadtests.stack import ROOT, Stack


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--spawn-rate", type=float, default=None, help="players started per second")
    parser.add_argument("--duration", default="60s", help="locust run time, e.g. 60s, 5m")
    parser.add_argument("--mode", choices=["webhook", "polling"], default="webhook")
    parser.add_argument("--redis", action="store_true", help="relay events to the Redis at 127.0.0.1:6379")
    parser.add_argument("--reports", type=Path, default=ROOT / "loadtests" / "reports")
    parser.add_argument("--name", default=None, help="report file prefix (default run_<mode>_<players>)")
    parser.add_argument("--processes", type=int, default=1, help="locust worker processes (-1: one per core)")
    return parser.parse_args(argv)


def failures(stats_csv: Path) -> tuple[int, int]:
    """(requests, failures) of the Aggregated row of a locust stats CSV."""
    with stats_csv.open() as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                return int(row["Request Count"]), int(row["Failure Count"])
    return 0, 0


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    name = args.name or f"run_{args.mode}_{args.players}"
    args.reports.mkdir(parents=True, exist_ok=True)
    spawn = args.spawn_rate or max(10.0, args.players / 20)
    stack = Stack(mode=args.mode, redis=args.redis)
    try:
        emulator = stack.start_emulator()
        stack.start_yabot()
        print(f"emulator {emulator}, YABOT {stack.yabot_url} ({args.mode}), logs in {stack.workdir}", flush=True)
        command = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "locustfile.py"),
                   "--headless", "-u", str(args.players), "-r", str(spawn), "-t", args.duration,
                   "--host", emulator, "--csv", str(args.reports / name), "--html",
                   str(args.reports / f"{name}.html"), "--only-summary", "--stop-timeout", "15"]
        if args.processes != 1:
            command += ["--processes", str(args.processes)]
        print("$ " + " ".join(command), flush=True)
        subprocess.run(command, cwd=ROOT, env=dict(os.environ), check=False)
    finally:
        stack.stop()
    total, failed = failures(args.reports / f"{name}_stats.csv")
    print(f"{total} player interactions, {failed} failures; reports: {args.reports / name}_stats.csv, "
          f"{args.reports / name}.html", flush=True)
    return 1 if failed or not total else 0


if __name__ == "__main__":
    raise SystemExit(main())
