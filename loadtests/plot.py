"""Plot update-to-reply latency against load from a ``scripts/bench --out`` JSON report.

Run: ``python -m loadtests.plot loadtests/reports/bench.json docs/benchmarks-latency.png``;
``--webhook-process REPORT`` adds YABOT's curves from a ``scripts/bench --webhook-process`` run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot(report: dict, out: Path, split: dict | None = None) -> None:  # type: ignore[type-arg]
    """Draw p50 and p99 of both bots for each load level of ``report`` into ``out`` (and
    YABOT's from ``split``, a run with the webhook process, when given)."""
    levels = report["load"]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    series = [
        (
            levels,
            "yabot",
            "YABOT + webhook process" if report.get("webhook_process") else "YABOT (one process)",
            "tab:blue",
        ),
        (levels, "bare", "bare aiogram echo bot", "tab:orange"),
    ]
    if split is not None:
        series.append((split["load"], "yabot", "YABOT + webhook process", "tab:green"))
    for all_rows, key, label, color in series:
        rows = [row for row in all_rows if key in row]  # --yabot-only-load: no bare rows
        if not rows:
            continue
        offered = [row["offered_per_s"] for row in rows]
        ax.plot(
            offered, [row[key]["p99_ms"] for row in rows], "o-", color=color, label=f"{label} p99"
        )
        ax.plot(
            offered,
            [row[key]["p50_ms"] for row in rows],
            "s--",
            color=color,
            alpha=0.7,
            label=f"{label} p50",
        )
    ax.axhline(100, color="grey", linestyle=":", label="target p99 100 ms")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (updates/s; players acting every 10 s on average)")
    ax.set_ylabel("update -> reply latency (ms, log scale)")
    top = levels[-1]["players"]
    ax.set_title(f"Latency against load, up to {top:,} players ({report.get('date', '')})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def main() -> None:
    """Parse arguments and plot."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--webhook-process", type=Path, default=None, metavar="REPORT")
    args = parser.parse_args()
    split = None if args.webhook_process is None else json.loads(args.webhook_process.read_text())
    plot(json.loads(args.report.read_text()), args.out, split)


if __name__ == "__main__":
    main()
