"""End-to-end benchmark: YABOT against a bare aiogram echo bot, and YABOT with many players.

One run starts the emulator, YABOT (embedded storage + Redis, webhook mode, sender limits
raised, emulator flood control off) and the bare aiogram bot, each in its own process, and
drives both bots through the same harness (``loadtests.drive``):

1. **compare**: the same users post the same number of updates, one in flight per chat, to
   each bot's webhook; rounds alternate between the bots. Throughput = replies per second from
   the first post to the last reply; latency = update posted -> reply accepted by the emulator.
2. **load**: open-loop players (each acting every ``--interval`` s on average) at growing
   player counts up to ``--players`` (10,000), on both bots: latency against load.
   Before it, ``--story-players`` players send /start and play ``--story-turns`` (5) story
   moments through the webhook (a button of the bot's last message, as the emulator shows it,
   or a typed answer when the story asks), to measure what a mid-story player adds to RSS once
   idle; then every other player up to ``--resident`` gets, as its snapshot, the saved state of
   one of them (``/_bench/seed_story``), so that all players are mid-story when activated.
3. **resident**: YABOT with ``--resident`` (100,000) player actors resident, all mid-story
   (activated through ``/_bench/activate``: the product's load path); RSS, then one more
   open-loop period with ``--resident-share`` of ``--players`` acting (a load YABOT sustains,
   to see what residency alone costs).

Prints a table per step; the last line is one JSON object with every figure.
Run: ``scripts/bench`` (full, ~10 min) or ``scripts/bench --quick`` (< 2 min).
``scripts/bench --cluster [--quick]`` runs ``loadtests.bench_cluster`` instead: the same load
through the embedded instance and clusters of one, two and three instances.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
import uvloop

from loadtests.drive import SINGLE_REPLY_COMMANDS, Driver, Result
from loadtests.host_cpu import HostCpu
from loadtests.stack import BARE_TOKEN, YABOT_TOKEN, Stack
from loadtests.stages import scrape, stage_quantiles
from yabot.observability.gc_policy import GcPolicy
from yabot.player.actor import PACK_IDLE_S

WEBHOOK_PATH = "/telegram/webhook"


class PeakRss:
    """Samples the RSS of a process and its children every 0.2 s on a thread; keeps the peak.

    Finding the children reads every process of the machine (``/proc/*/stat``), so the list
    is refreshed only every ``CHILDREN_EVERY_S`` (and when a known child is gone): a sampler
    scanning ``/proc`` five times a second took a tenth of the harness's CPU at 1,000/s.
    """

    CHILDREN_EVERY_S = 2.0

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss")
        self._known: list[psutil.Process] = []
        self._known_at = float("-inf")

    def _children(self) -> list[psutil.Process]:
        now = time.monotonic()
        if now - self._known_at >= self.CHILDREN_EVERY_S:
            self._known = self.process.children(recursive=True)
            self._known_at = now
        return self._known

    def now(self) -> int:
        rss = int(self.process.memory_info().rss)
        for child in self._children():
            try:
                rss += int(child.memory_info().rss)
            except psutil.Error:
                self._known_at = float("-inf")  # a child is gone: look again next time
        self.peak = max(self.peak, rss)
        return rss

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self.now()
            except psutil.Error:
                return

    def parts(self) -> dict[str, float]:
        """RSS in MB of the process and of each child, by command (``-m module`` or name)."""
        out: dict[str, float] = {}
        for proc in (self.process, *self.process.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                cmd = proc.cmdline()
                name = cmd[cmd.index("-m") + 1] if "-m" in cmd else proc.name()
                out[f"{name} ({proc.pid})"] = mb(int(proc.memory_info().rss))
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process and its children so far."""
        total = 0.0
        for proc in (self.process, *self.process.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def start(self) -> PeakRss:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def machine_speed_ms() -> float:
    """Best of 5 timings of a fixed pure-Python workload, in ms: how fast this host runs
    Python right now (figures of different days compare only next to this one)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i & 7
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def mb(n: int) -> float:
    return round(n / 2**20, 1)


def text_for(n: int) -> str:
    return SINGLE_REPLY_COMMANDS[n % 3]  # /profile, /wallet, /help


@dataclass
class Bots:
    yabot: Driver
    bare: Driver


async def compare(bots: Bots, users: list[int], per_user: int, rounds: int) -> dict[str, Any]:
    """Step 1: the same closed-loop load on each bot, alternating, ``rounds`` times."""
    runs: dict[str, list[Result]] = {"yabot": [], "bare": []}
    for driver in (bots.yabot, bots.bare):
        await driver.closed_loop(users, 2, text_for)  # warm-up: actors, connections
        await driver.settle()
    for r in range(rounds):
        order = (
            (("yabot", bots.yabot), ("bare", bots.bare))
            if r % 2 == 0
            else (("bare", bots.bare), ("yabot", bots.yabot))
        )
        for name, driver in order:
            await driver.forget_replies()
            timings = await driver.closed_loop(users, per_user, text_for)
            result = await driver.result(timings)
            runs[name].append(result)
            print(f"  round {r + 1} {name:5s} {result.summary()}", flush=True)
    out: dict[str, Any] = {}
    for name, results in runs.items():
        out[name] = {
            "updates_per_s": round(statistics.median(x.throughput for x in results), 1),
            "p50_ms": round(statistics.median(x.percentile(50) for x in results), 2),
            "p99_ms": round(statistics.median(x.percentile(99) for x in results), 2),
            "failures": sum(x.failures for x in results),
            "rounds": [x.summary() for x in results],
        }
    out["throughput_ratio"] = round(out["yabot"]["updates_per_s"] / out["bare"]["updates_per_s"], 3)
    return out


def print_compare(c: dict[str, Any], peak_rss: int) -> None:
    """One line: both bots' throughput and latency, their ratio, YABOT's peak RSS."""
    print(
        f"  YABOT {c['yabot']['updates_per_s']}/s p50 {c['yabot']['p50_ms']} ms p99 "
        f"{c['yabot']['p99_ms']} ms | bare aiogram {c['bare']['updates_per_s']}/s p50 "
        f"{c['bare']['p50_ms']} ms p99 {c['bare']['p99_ms']} ms | "
        f"ratio {c['throughput_ratio']} "
        f"| YABOT peak RSS {mb(peak_rss)} MB",
        flush=True,
    )


ANSWER = "I came back because the mirrors still remember me"


async def play_story(
    driver: Driver, users: list[int], turns: int, batch: int = 2000
) -> tuple[float, int]:
    """Every user sends /start, then plays ``turns`` story moments: a choice button of the
    bot's last message (a different one per user where there are several), or a typed
    answer when the moment asks for one. Returns seconds and how many turns were refused."""
    began = time.monotonic()
    for i in range(0, len(users), batch):
        await driver.closed_loop(users[i : i + batch], 1, lambda n: "/start")
    await driver.settle(quiet_s=1.5)
    refused = 0
    for turn in range(turns):
        for i in range(0, len(users), batch):
            group = users[i : i + batch]
            moments = await driver.moments(group)

            async def act(
                user_id: int, turn: int = turn, moments: dict[int, Any] = moments
            ) -> bool:
                moment = moments.get(user_id)
                if moment is None:
                    return False
                choices = moment["choices"]
                if not choices:
                    return await driver.post(user_id, ANSWER)
                data = choices[(user_id + turn) % len(choices)]
                return await driver.press(user_id, moment["message_id"], data)

            refused += sum(not ok for ok in await asyncio.gather(*(act(u) for u in group)))
        await driver.settle(quiet_s=1.5)
    return time.monotonic() - began, refused


async def open_loop(driver: Driver, users: list[int], interval: float, duration: float) -> Result:
    await driver.settle(quiet_s=0.5)
    await driver.forget_replies()
    timings = await driver.open_loop(users, interval, duration, text_for)
    return await driver.result(timings)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    # The harness's own full collections (10,000 players' coroutines and timings) delayed
    # posts by 20-40 ms, counted as the bots' latency: the product's policy keeps them away.
    collector = GcPolicy(freeze_every_s=10.0, full_every_s=3600.0)
    collector.start()
    try:
        return await _run(args)
    finally:
        await collector.stop()


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    extra = dict(item.split("=", 1) for item in args.set)
    stack = Stack(
        mode="webhook",
        redis=True,
        webhook_process=args.webhook_process,
        webhook_port=args.webhook_port,
        extra_env=extra,
    )
    report: dict[str, Any] = {
        "command": "scripts/bench" + (" --quick" if args.quick else ""),
        "settings": extra,
        "webhook_process": args.webhook_process,
        "webhook_port": args.webhook_port,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine_speed_ms": machine_speed_ms(),
    }
    print(
        f"== host: a fixed Python loop took {report['machine_speed_ms']} ms (lower is faster)",
        flush=True,
    )
    try:
        stack.start_emulator()
        stack.start_yabot()
        stack.start_bare()
        rss = PeakRss(stack.pid("yabot")).start()
        bare_rss = PeakRss(stack.pid("bare")).start()
        host = HostCpu().start()
        yabot_id, bare_id = (int(t.split(":")[0]) for t in (YABOT_TOKEN, BARE_TOKEN))
        async with (
            Driver(stack.yabot_webhook, stack.emulator_url, yabot_id, 1) as y,
            Driver(stack.bare_url + WEBHOOK_PATH, stack.emulator_url, bare_id, 1) as b,
        ):
            bots = Bots(y, b)
            everyone = list(range(1, args.resident + 1))
            await y.mark_started(YABOT_TOKEN, everyone)
            await b.mark_started(BARE_TOKEN, everyone[: args.players])

            print(
                f"== compare: {args.users} chats x {args.per_user} updates, {args.rounds} rounds",
                flush=True,
            )
            compare_users = list(range(args.resident + 1, args.resident + 1 + args.users))
            await y.mark_started(YABOT_TOKEN, compare_users)
            await b.mark_started(BARE_TOKEN, compare_users)
            if not args.skip_compare:
                report["compare"] = await compare(bots, compare_users, args.per_user, args.rounds)
                report["compare"]["yabot_peak_rss_mb"] = mb(rss.peak)
                print_compare(report["compare"], rss.peak)

            storied = everyone[: args.story_players]
            before = rss.now()
            seconds, refused = await play_story(y, storied, args.story_turns)
            playing = rss.now()
            # Idle players' states are packed after PACK_IDLE_S: RSS of the idle mid-story
            # players is read after that.
            await asyncio.sleep(PACK_IDLE_S + 5)
            after = rss.now()
            report["story_players"] = {
                "players": len(storied),
                "story_turns": args.story_turns,
                "refused_posts": refused,
                "seconds": round(seconds, 1),
                "rss_before_mb": mb(before),
                "rss_after_play_mb": mb(playing),
                "rss_after_mb": mb(after),
                "kb_per_player": round((after - before) / 1024 / len(storied), 1),
            }
            print(
                f"== {len(storied)} players sent /start and played {args.story_turns} story "
                f"moments in {seconds:.1f} s ({refused} posts refused); YABOT RSS {mb(before)} "
                f"-> {mb(playing)} MB playing -> {mb(after)} MB idle "
                f"({report['story_players']['kb_per_player']} KB per player)",
                flush=True,
            )
            seeded = httpx.post(
                stack.yabot_url + "/_bench/seed_story",
                json={
                    "sources": storied,
                    "first": len(storied) + 1,
                    "count": args.resident - len(storied),
                },
                timeout=1800,
            )
            seeded.raise_for_status()
            report["seeded"] = seeded.json()
            print(f"== the other players seeded mid-story: {report['seeded']}", flush=True)
            players = everyone[: args.players]
            httpx.post(
                stack.yabot_url + "/_bench/activate",
                json={"first": 1, "count": args.players},
                timeout=900,
            ).raise_for_status()

            print(
                f"== load: open loop, each player acts every {args.interval} s on average, "
                f"{args.duration} s per level",
                flush=True,
            )
            webhook = urlsplit(stack.yabot_webhook)
            # With a webhook process, the inbox's and the sender's histograms live there.
            metrics_urls = (
                stack.yabot_url + "/metrics",
                f"{webhook.scheme}://{webhook.netloc}/metrics",
            )
            levels = []
            for share in args.levels:
                count = max(1, int(args.players * share))
                row: dict[str, Any] = {
                    "players": count,
                    "offered_per_s": round(count / args.interval, 1),
                }
                drivers = (("yabot", y, rss), ("bare", b, bare_rss))
                for name, driver, usage in drivers[:1] if args.yabot_only_load else drivers:
                    cpu_before = usage.cpu_seconds()
                    stages_before = scrape(*metrics_urls) if name == "yabot" else {}
                    result = await open_loop(driver, players[:count], args.interval, args.duration)
                    row[name] = result.summary()
                    if name == "yabot":
                        row[name]["stages"] = stage_quantiles(stages_before, scrape(*metrics_urls))
                        cpu = host.window(result.first, result.first + args.duration)
                        row[name]["host"] = cpu.summary()
                        steal_at = dict(enumerate(cpu.steal_by_second))
                    # CPU per reply: a figure that noise on the shared machine moves little.
                    row[name]["cpu_ms_per_update"] = round(
                        1000 * (usage.cpu_seconds() - cpu_before) / max(1, result.replied), 3
                    )
                row["yabot_rss_mb"] = mb(rss.now())
                levels.append(row)
                print(
                    f"  {count:6d} players ({row['offered_per_s']}/s offered): YABOT p50 "
                    f"{row['yabot']['p50_ms']} p99 {row['yabot']['p99_ms']} ms, "
                    f"fail {row['yabot']['failures']}, CPU {row['yabot']['cpu_ms_per_update']} ms"
                    + (
                        f" | bare p50 {row['bare']['p50_ms']} p99 {row['bare']['p99_ms']} ms, "
                        f"CPU {row['bare']['cpu_ms_per_update']} ms"
                        if "bare" in row
                        else ""
                    )
                    + " | "
                    f"YABOT RSS {row['yabot_rss_mb']} MB",
                    flush=True,
                )
                print(
                    "    YABOT worst seconds of the level (second: max ms, > 100 ms, host cores "
                    "stolen): "
                    + ", ".join(
                        f"{s}: {ms} {slow} {steal_at.get(s, 0.0):.2f}"
                        for s, ms, slow in row["yabot"]["worst_seconds"]
                    ),
                    flush=True,
                )
                host_row = row["yabot"]["host"]
                print(
                    f"    host during YABOT's level: {host_row['busy_cores']} cores busy, "
                    f"{host_row['steal_cores']} stolen by the hypervisor (worst second "
                    f"{host_row['steal_cores_worst_second']})",
                    flush=True,
                )
                stages = row["yabot"]["stages"]
                print(
                    "    YABOT stages p50/p99 <= ms: "
                    + ", ".join(
                        f"{k} {v['p50_le_ms']}/{v['p99_le_ms']}" for k, v in stages.items()
                    ),
                    flush=True,
                )
            report["load"] = levels

            print(f"== resident: activating players up to {args.resident}", flush=True)
            resident_before = httpx.get(stack.yabot_url + "/_bench/resident", timeout=30).json()[
                "resident"
            ]
            rss_before = rss.now()
            activated = httpx.post(
                stack.yabot_url + "/_bench/activate",
                json={"first": 1, "count": args.resident},
                timeout=900,
            ).json()
            resident = httpx.get(stack.yabot_url + "/_bench/resident", timeout=30).json()[
                "resident"
            ]
            at_rest = rss.now()
            acting = players[: max(1, int(args.players * args.resident_share))]
            result = await open_loop(y, acting, args.interval, args.duration)
            added = max(1, resident - resident_before)
            report["resident"] = {
                "resident": resident,
                "resident_before": resident_before,
                "rss_before_mb": mb(rss_before),
                "kb_per_added_player": round((at_rest - rss_before) / 1024 / added, 2),
                "rss_by_process_mb": rss.parts(),
                "activate_s": round(activated["seconds"], 1),
                "rss_mb": mb(at_rest),
                "active_players": len(acting),
                "load": result.summary(),
                "rss_after_load_mb": mb(rss.now()),
            }
            print(
                f"  {resident} resident, all mid-story: RSS {mb(rss_before)} MB with "
                f"{resident_before} -> {mb(at_rest)} MB "
                f"({report['resident']['kb_per_added_player']} KB per added player); "
                f"{len(acting)} players acting: p50 "
                f"{result.percentile(50):.1f} p99 {result.percentile(99):.1f} ms, failures "
                f"{result.failures}; RSS {mb(rss.now())} MB",
                flush=True,
            )
        report["yabot_peak_rss_mb"] = mb(rss.peak)
        report["bare_peak_rss_mb"] = mb(bare_rss.peak)
        rss.stop()
        bare_rss.stop()
        host.stop()
    finally:
        stack.stop()
    return report


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller and shorter (< 2 min)")
    parser.add_argument("--users", type=int, default=200, help="chats in the comparison")
    parser.add_argument("--per-user", type=int, default=25, help="updates per chat per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--players", type=int, default=10_000, help="players acting in the load step"
    )
    parser.add_argument(
        "--interval", type=float, default=10.0, help="mean seconds between a player's actions"
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per load level")
    parser.add_argument("--levels", type=float, nargs="+", default=[0.05, 0.1, 0.25, 0.5, 1.0])
    parser.add_argument("--resident", type=int, default=100_000)
    parser.add_argument(
        "--resident-share", type=float, default=0.1, help="share of --players acting at --resident"
    )
    parser.add_argument(
        "--story-players", type=int, default=2000, help="players who play through the webhook"
    )
    parser.add_argument(
        "--story-turns", type=int, default=5, help="story moments each of them plays"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="YABOT_KEY=VALUE",
        help="a setting for YABOT (repeatable), e.g. YABOT_STORAGE__SNAPSHOT_EVERY_S=60",
    )
    parser.add_argument(
        "--webhook-process",
        action="store_true",
        help="YABOT serves its webhook from its webhook process (telegram.webhook_port)",
    )
    parser.add_argument(
        "--webhook-port",
        action="store_true",
        help="YABOT serves its webhook from the lean webhook server on a port of its own, in "
        "its own process (telegram.webhook_process = false)",
    )
    parser.add_argument(
        "--skip-compare", action="store_true", help="only the load and resident steps"
    )
    parser.add_argument(
        "--yabot-only-load",
        action="store_true",
        help="the load levels drive YABOT only, not the bare bot (for A/B runs of YABOT)",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.per_user, args.rounds, args.story_players = 100, 20, 2, 300
        args.players, args.duration, args.levels = 2000, 6.0, [0.25, 1.0]
    if args.story_players < 1 or args.players < 1 or args.resident < 2:
        parser.error("--players and --story-players must be at least 1, --resident 2")
    # The story players are among the resident ones, and the others are seeded from them.
    args.story_players = min(args.story_players, max(1, args.resident // 2))
    if args.resident < args.players:
        parser.error(
            f"--resident ({args.resident}) is also the pool of players: it must be at least "
            f"--players ({args.players}); --story-players is capped at it"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    import sys

    if "--cluster" in (sys.argv[1:] if argv is None else argv):
        from loadtests import bench_cluster  # the embedded instance against clusters of 1-3

        return bench_cluster.main(argv)
    args = parse(argv)
    report = uvloop.run(run(args))  # the harness shares the two cores with the bots
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
