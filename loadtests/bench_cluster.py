"""``scripts/bench --cluster``: the same load through the embedded instance and clusters of 1-3.

For each configuration a fresh :class:`~yabot.cluster.local.LocalCluster` is started (its own
PostgreSQL and Redis on free ports, the emulator, the round-robin front) and driven with the
same harness (``loadtests.drive``) through the front:

- ``embedded``: one instance on its SQLite files (the default), events to Redis;
- ``cluster-1``, ``cluster-2``, ``cluster-3``: cluster mode on PostgreSQL with 1, 2, 3 instances.

Two phases per configuration, after a warm-up: **fixed** -- open-loop players at a rate every
configuration sustains (``--players`` acting every ``--interval`` s on average): CPU seconds per
update; **max** -- closed loop (one update in flight per chat, ``--users`` chats): updates/s.

CPU is read from ``/proc/<pid>/stat`` (user + system, with exited children's) of YABOT's
processes and of its database servers (PostgreSQL's postmaster and all its backends, Redis);
the load generator and the emulator are excluded, and the front is reported apart. On a 2-core
machine throughput cannot grow with instances; the cost per update shows what coordination adds.

The last line is one JSON object; ``acceptance.cluster2_cpu_within_1_3x_cluster1`` is the check
of issue 20 (CPU per update of a cluster of two at most 1.3x a cluster of one's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import uvloop

from loadtests.drive import Driver
from loadtests.stack import SECRET
from yabot.cluster.local import TOKEN, LocalCluster, cluster_mode_available

COMMANDS = ("/profile", "/wallet", "/help")


def text_for(n: int) -> str:
    return COMMANDS[n % len(COMMANDS)]


def _cpu(cluster: LocalCluster) -> dict[str, float]:
    return cluster.cpu_seconds()


class StatsCluster(LocalCluster):
    """A local cluster whose PostgreSQL loads ``pg_stat_statements`` (``--pg-stats``)."""

    def start_stores(self) -> None:
        import psycopg

        super().start_stores()
        assert self.postgres is not None
        with psycopg.connect(self.postgres.dsn, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        self.postgres.stop()
        self.postgres.start()
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("ALTER SYSTEM SET pg_stat_statements.track_planning = on")
            conn.execute("SELECT pg_reload_conf()")


def _pg_reset(cluster: LocalCluster) -> dict[str, int]:
    import psycopg

    with psycopg.connect(cluster.dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        row = conn.execute(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = 'yabot'"
        ).fetchone()
    assert row is not None
    return {"commits": int(row[0]), "rollbacks": int(row[1])}


def _pg_report(cluster: LocalCluster, before: dict[str, int], updates: int) -> dict[str, Any]:
    """Statements (calls per update, by statement) and transactions per update since reset."""
    import psycopg

    with psycopg.connect(cluster.dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT calls, total_exec_time, query, total_plan_time, plans, wal_bytes,"
            " shared_blks_dirtied FROM pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'yabot')"
            " ORDER BY calls DESC"
        ).fetchall()
        row = conn.execute(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = 'yabot'"
        ).fetchone()
    assert row is not None
    n = max(1, updates)
    calls = sum(int(r[0]) for r in rows)
    return {
        "statements_per_update": round(calls / n, 2),
        "commits_per_update": round((int(row[0]) - before["commits"]) / n, 2),
        "rollbacks_per_update": round((int(row[1]) - before["rollbacks"]) / n, 2),
        "top": [
            {
                "per_update": round(int(c) / n, 3),
                "exec_ms_per_update": round(float(t) / n, 4),
                "plan_ms_per_update": round(float(pt) / n, 4),
                "plans_per_update": round(int(pl) / n, 3),
                "wal_bytes_per_update": round(float(wb) / n, 1),
                "blks_dirtied_per_update": round(int(bd) / n, 3),
                "query": " ".join(str(q).split())[:160],
            }
            for c, t, q, pt, pl, wb, bd in rows[:25]
        ],
    }


def _delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before[k] for k in after}


async def measure(
    name: str, instances: int, cluster_mode: bool, args: argparse.Namespace
) -> dict[str, Any]:
    """Start one configuration, drive it, stop it; return its figures."""
    kind = StatsCluster if args.pg_stats and cluster_mode else LocalCluster
    cluster = kind(
        instances=instances,
        cluster=cluster_mode,
        durable=True,  # like a real deployment: fsync on (SQLite keeps its own defaults)
        emulator_module="loadtests.emulator_process",
        extra_env={"YABOT_TELEGRAM__WEBHOOK_SECRET": SECRET},
    )
    bot_id = int(TOKEN.split(":")[0])
    try:
        await asyncio.to_thread(cluster.start)
        users = list(range(1, args.players + 1))
        async with Driver(cluster.webhook_url, cluster.emulator_url, bot_id, 1) as driver:
            await driver.mark_started(TOKEN, users)
            # Warm-up: every player's state exists, every connection is open.
            await driver.closed_loop(users, 2, text_for)
            await driver.settle(quiet_s=1.5)

            await driver.forget_replies()
            pg_before = await asyncio.to_thread(_pg_reset, cluster) if kind is StatsCluster else {}
            before = _cpu(cluster)
            timings = await driver.open_loop(users, args.interval, args.duration, text_for)
            fixed = await driver.result(timings)
            await driver.settle(quiet_s=1.0)
            fixed_cpu = _delta(_cpu(cluster), before)
            pg_stats = (
                await asyncio.to_thread(_pg_report, cluster, pg_before, fixed.replied)
                if kind is StatsCluster
                else None
            )

            await driver.forget_replies()
            chats = users[: args.users]
            before = _cpu(cluster)
            closed = await driver.closed_loop(chats, args.per_user, text_for)
            most = await driver.result(closed)
            max_cpu = _delta(_cpu(cluster), before)
        counted = fixed_cpu["yabot"] + fixed_cpu["databases"]
        counted_max = max_cpu["yabot"] + max_cpu["databases"]
        row: dict[str, Any] = {
            "config": name,
            "instances": instances,
            "fixed": {
                "offered_per_s": round(args.players / args.interval, 1),
                "replied": fixed.replied,
                "failures": fixed.failures,
                "p50_ms": round(fixed.percentile(50), 1),
                "p99_ms": round(fixed.percentile(99), 1),
                "cpu_s": {k: round(v, 2) for k, v in fixed_cpu.items()},
                "cpu_ms_per_update": round(1000 * counted / max(1, fixed.replied), 3),
                "yabot_cpu_ms_per_update": round(
                    1000 * fixed_cpu["yabot"] / max(1, fixed.replied), 3
                ),
                "db_cpu_ms_per_update": round(
                    1000 * fixed_cpu["databases"] / max(1, fixed.replied), 3
                ),
                "front_cpu_ms_per_update": round(
                    1000 * fixed_cpu["front"] / max(1, fixed.replied), 3
                ),
            },
            "max": {
                "updates_per_s": round(most.throughput, 1),
                "replied": most.replied,
                "failures": most.failures,
                "p50_ms": round(most.percentile(50), 1),
                "p99_ms": round(most.percentile(99), 1),
                "cpu_ms_per_update": round(1000 * counted_max / max(1, most.replied), 3),
            },
        }
        if pg_stats is not None:
            row["fixed"]["postgres"] = pg_stats
            print(json.dumps(pg_stats, indent=1), flush=True)
        print(
            f"  {name:10s} fixed {row['fixed']['offered_per_s']}/s: CPU "
            f"{row['fixed']['cpu_ms_per_update']} ms/update (YABOT "
            f"{row['fixed']['yabot_cpu_ms_per_update']}, databases "
            f"{row['fixed']['db_cpu_ms_per_update']}; front "
            f"{row['fixed']['front_cpu_ms_per_update']} apart), p99 {row['fixed']['p99_ms']} ms, "
            f"failures {fixed.failures} | max {row['max']['updates_per_s']} updates/s, CPU "
            f"{row['max']['cpu_ms_per_update']} ms/update",
            flush=True,
        )
        return row
    finally:
        await asyncio.to_thread(cluster.stop)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    available = cluster_mode_available()
    configs: list[tuple[str, int, bool]] = [("embedded", 1, False)]
    if available:
        configs += [(f"cluster-{n}", n, True) for n in (1, 2, 3)]
    else:
        print("this build has no cluster mode: only the embedded instance is measured", flush=True)
    if args.configs:
        wanted = set(args.configs.split(","))
        configs = [c for c in configs if c[0] in wanted]
    rows = []
    for name, instances, mode in configs:
        rows.append(await measure(name, instances, mode, args))
    by = {r["config"]: r for r in rows}
    report: dict[str, Any] = {
        "command": "scripts/bench --cluster" + (" --quick" if args.quick else ""),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cluster_mode": available,
        "configs": rows,
    }
    if {"embedded", "cluster-1", "cluster-2", "cluster-3"} <= set(by):
        one = by["cluster-1"]["fixed"]["cpu_ms_per_update"]
        two = by["cluster-2"]["fixed"]["cpu_ms_per_update"]
        emb = by["embedded"]["fixed"]["cpu_ms_per_update"]
        report["ratios"] = {
            "cluster2_vs_cluster1_cpu": round(two / one, 3),
            "cluster3_vs_cluster1_cpu": round(
                by["cluster-3"]["fixed"]["cpu_ms_per_update"] / one, 3
            ),
            "cluster1_vs_embedded_cpu": round(one / emb, 3),
        }
        report["acceptance"] = {
            "cluster2_cpu_within_1_3x_cluster1": two / one <= 1.3,
        }
    return report


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cluster", action="store_true", help="(what selects this benchmark)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--players", type=int, default=1000, help="open-loop players")
    parser.add_argument("--interval", type=float, default=5.0, help="mean s between actions")
    parser.add_argument("--duration", type=float, default=30.0, help="s of the fixed phase")
    parser.add_argument("--users", type=int, default=100, help="chats of the closed loop")
    parser.add_argument("--per-user", type=int, default=20, help="updates per chat, closed loop")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--configs", default="", help="only these, comma-separated (embedded,cluster-1,...)"
    )
    parser.add_argument(
        "--pg-stats",
        action="store_true",
        help="load pg_stat_statements; report statements and commits per update (costs CPU)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.players, args.duration, args.per_user = 300, 10.0, 10
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    report = uvloop.run(run(args))
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
