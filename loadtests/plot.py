"""Plot update-to-reply latency against load from a ``scripts/bench --out`` JSON report.

Run: ``python -m loadtests.plot loadtests/reports/bench.json docs/benchmarks-latency.png``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot(report: dict, out: Path) -> None:  # type: ignore[type-arg]
    """Draw p50 and p99 of both bots for each load level of ``report`` into ``out``."""
    levels = report["load"]
    offered = [row["offered_per_s"] for row in levels]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    styles = {"yabot": ("YABOT", "tab:blue"), "bare": ("bare aiogram echo bot", "tab:orange")}
    for key, (label, color) in styles.items():
        ax.plot(
            offered, [row[key]["p99_ms"] for row in levels], "o-", color=color, label=f"{label} p99"
        )
        ax.plot(
            offered,
            [row[key]["p50_ms"] for row in levels],
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
    args = parser.parse_args()
    plot(json.loads(args.report.read_text()), args.out)


if __name__ == "__main__":
    main()
