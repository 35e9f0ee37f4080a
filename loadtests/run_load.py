"""``scripts/loadtest``: start the emulator and YABOT, run locust headless, stop everything.

Writes ``<reports>/<name>_stats.csv`` (and the other locust CSVs), ``<reports>/<name>.html`` and
``<reports>/<name>_totals.json`` (the final counts, the same as locust's printed summary; the CSV
is rewritten once a second while locust runs and can miss its last second), and prints locust's
summary. Exit status 1 when any player interaction failed or locust itself failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import psutil

from loadtests.stack import ROOT, Stack


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--spawn-rate", type=float, default=None, help="players started per second")
    parser.add_argument("--duration", default="60s", help="locust run time, e.g. 60s, 5m")
    parser.add_argument("--mode", choices=["webhook", "polling"], default="webhook")
    parser.add_argument(
        "--redis", action="store_true", help="relay events to a redis-server of its own"
    )
    parser.add_argument("--reports", type=Path, default=ROOT / "loadtests" / "reports")
    parser.add_argument(
        "--name", default=None, help="report file prefix (default run_<mode>_<players>)"
    )
    parser.add_argument(
        "--yabot-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for YABOT (repeatable), e.g. YABOT_RUNTIME__POOL_SIZE=8",
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="locust worker processes (-1: one per core)"
    )
    return parser.parse_args(argv)


def totals(totals_json: Path) -> tuple[int, int]:
    """(interactions, failures) of a run, from the file the locustfile writes when locust quits."""
    try:
        written = json.loads(totals_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 0, 0
    return int(written["requests"]), int(written["failures"])


class CpuWatch:
    """Average CPU (in cores) and peak RSS of each process of the run, sampled every 2 s."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.samples: dict[str, list[float]] = {name: [] for name in pids}
        self.peak_rss: dict[str, int] = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add(self, name: str, pid: int) -> None:
        self.procs[name] = psutil.Process(pid)
        self.samples[name] = []
        self.peak_rss[name] = 0

    def _run(self) -> None:
        for proc in list(self.procs.values()):
            proc.cpu_percent()
        while not self._stop.wait(2.0):
            for name, proc in list(self.procs.items()):
                try:
                    self.samples[name].append(proc.cpu_percent() / 100)
                    self.peak_rss[name] = max(self.peak_rss[name], proc.memory_info().rss)
                except psutil.Error:
                    continue

    def stop(self) -> str:
        self._stop.set()
        self._thread.join(3)
        parts = []
        for name, values in self.samples.items():
            busy = [v for v in values if v > 0.05] or [0.0]
            parts.append(
                f"{name} {sum(busy) / len(busy):.2f} cores, "
                f"peak RSS {self.peak_rss[name] / 2**20:.0f} MB"
            )
        return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    name = args.name or f"run_{args.mode}_{args.players}"
    args.reports.mkdir(parents=True, exist_ok=True)
    spawn = args.spawn_rate or max(10.0, args.players / 20)
    stack = Stack(
        mode=args.mode, redis=args.redis, extra_env=dict(kv.split("=", 1) for kv in args.yabot_env)
    )
    try:
        emulator = stack.start_emulator()
        stack.start_yabot()
        print(
            f"emulator {emulator}, YABOT {stack.yabot_url} ({args.mode}), logs in {stack.workdir}",
            flush=True,
        )
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "loadtests" / "locustfile.py"),
            "--headless",
            "-u",
            str(args.players),
            "-r",
            str(spawn),
            "-t",
            args.duration,
            "--host",
            emulator,
            "--csv",
            str(args.reports / name),
            "--html",
            str(args.reports / f"{name}.html"),
            "--only-summary",
            "--stop-timeout",
            "15",
        ]
        if args.processes != 1:
            command += ["--processes", str(args.processes)]
        print("$ " + " ".join(command), flush=True)
        watch = CpuWatch({"yabot": stack.pid("yabot"), "emulator": stack.pid("emulator")})
        totals_json = args.reports / f"{name}_totals.json"
        totals_json.unlink(missing_ok=True)
        locust = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, "LOADTEST_TOTALS_FILE": str(totals_json)}
        )
        watch.add("locust", locust.pid)
        locust.wait()
        print(f"while loaded (average over busy 2 s samples): {watch.stop()}", flush=True)
    finally:
        stack.stop()
    total, failed = totals(totals_json)
    print(
        f"{total} player interactions, {failed} failures (locust exit status {locust.returncode}); "
        f"reports: {args.reports / name}_stats.csv, "
        f"{args.reports / name}.html, {totals_json}",
        flush=True,
    )
    return 1 if failed or not total or locust.returncode != 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
