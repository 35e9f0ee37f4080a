"""``scripts/chaos``: players play a local cluster while its instances are killed, paused, added.

A :class:`~yabot.cluster.local.LocalCluster` of 3 instances, ``--players`` players (2,000; 200
with ``--quick``) posting to the front the way Telegram does: one update in flight per chat,
each posted again until answered 200 (a refused or timed-out post is retried with backoff, never
dropped), then a pause (exponential, mean ``--interval`` s). Updates are ``/c<n>`` (the bot
answers "I don't know the command /c<n>", so each reply names its update) and one ``/daily``
per player (a ledger credit). Under that load:

1. SIGKILL one instance;
2. SIGSTOP another for longer than the lease (``1.5 x lease_timeout_s + 1`` s), then SIGCONT it:
   it wakes up owning nothing, and every write it still tries must be refused (fenced);
3. add a fourth instance.

Then the players stop, the replies settle, the live instances' ``yabot_cluster_fenced_writes_total``
is read, the instances stop (SIGTERM: they flush), and everything is counted from the stores and
the emulator -- never from the instances' own claims:

- players' states (snapshots + inbox, loaded through the product's own repository on the shared
  stores): ``transitions`` against the updates accepted;
- the events in Redis: ``update.processed`` per update_id (distinct event ids), and their order
  per player;
- the ledger: one daily reward per player, balance = sum of movements;
- the emulator's log of every accepted ``sendMessage``: a reply per accepted update, in order,
  and how many were sent more than once.

The last line is one JSON object: ``accepted``, ``applied_once``, ``lost``, ``doubled_effects``,
``order_violations``, ``fenced_writes``, ``failover_s_max`` (the longest an accepted update
first posted from the start until the fourth instance is asked for waited from its first post
to its reply: the SIGKILL and the SIGSTOP happen in that window; the updates posted after it,
while shards are handed to the joining instance, are ``details.join_wait_s_max``),
``replies_resent``, ``acceptance`` (each check) and
``details``. The exit status is 0 when every acceptance check holds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import redis
import uvloop

from loadtests.bench import machine_speed_ms
from loadtests.drive import make_update
from yabot.cluster.local import ENCRYPTION_KEY, EVENTS_STREAM, SECRET, TOKEN, LocalCluster
from yabot.shards import shard_of
from yabot.telegram.http import HttpClient, HttpError

FIRST_USER = 900_000
REPLY_N = re.compile(r"/c(\d+)\b")
GIVE_UP_S = 180.0  # Telegram keeps an update 24 h; the harness stops retrying long before


@dataclass
class Post:
    """One update a player sent: when it was first tried, and when the front answered 200."""

    update_id: int
    user_id: int
    n: int  # the /c<n> number, 0 for /daily
    first_try: float
    accepted_at: float | None = None


@dataclass
class Load:
    """What the players posted."""

    posts: dict[int, list[Post]] = field(default_factory=lambda: defaultdict(list))
    retries: int = 0
    next_id: int = 10_000_000

    def take_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def accepted(self, user_id: int) -> list[Post]:
        return [p for p in self.posts[user_id] if p.accepted_at is not None]


async def play(
    front_url: str, users: list[int], interval: float, stop: asyncio.Event, load: Load, seed: int
) -> None:
    """Each user plays until ``stop`` is set; the update in flight is finished first."""
    rng = random.Random(seed)
    client = HttpClient(
        front_url,
        max_connections=min(1000, len(users)),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )

    async def one(user_id: int) -> None:
        n = 0
        await asyncio.sleep(rng.uniform(0, interval))
        while not stop.is_set():
            n += 1
            daily = n == 3
            text = "/daily" if daily else f"/c{n}"
            post = Post(load.take_id(), user_id, 0 if daily else n, time.monotonic())
            load.posts[user_id].append(post)
            body = json.dumps(make_update(post.update_id, user_id, text)).encode()
            backoff = 0.1
            while time.monotonic() - post.first_try < GIVE_UP_S:
                try:
                    status, _ = await client.post("/telegram/webhook", body, timeout_s=10)
                except HttpError:
                    status = 0
                if status == 200:
                    post.accepted_at = time.monotonic()
                    break
                load.retries += 1
                await asyncio.sleep(backoff)
                backoff = min(1.0, backoff * 2)
            await asyncio.sleep(rng.expovariate(1 / interval))

    try:
        await asyncio.gather(*(one(u) for u in users))
    finally:
        await client.close()


async def chaos(cluster: LocalCluster, args: argparse.Namespace, log: list[str]) -> dict[str, Any]:
    """Kill, pause/resume and add instances on a schedule; return when each happened."""
    lease = args.lease_timeout
    marks: dict[str, Any] = {}

    def say(text: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {text}"
        log.append(line)
        print(line, flush=True)

    await asyncio.sleep(args.warmup)
    victim, sleeper = cluster.members[0], cluster.members[1]
    say(f"SIGKILL {victim.name} (pid {victim.pid})")
    marks["killed_at"] = time.monotonic()
    await asyncio.to_thread(cluster.kill, victim)
    await asyncio.sleep(args.gap)
    pause_s = 1.5 * lease + 1
    say(f"SIGSTOP {sleeper.name} (pid {sleeper.pid}) for {pause_s:.1f} s (lease {lease} s)")
    marks["paused_at"] = time.monotonic()
    cluster.pause(sleeper)
    await asyncio.sleep(pause_s)
    cluster.resume(sleeper)
    marks["resumed_at"] = time.monotonic()
    say(f"SIGCONT {sleeper.name}")
    await asyncio.sleep(args.gap)
    say("adding a fourth instance")
    marks["join_started_at"] = time.monotonic()
    fourth = await asyncio.to_thread(cluster.add_instance)
    marks["added_at"] = time.monotonic()
    say(f"{fourth.name} is up (pid {fourth.pid})")
    await asyncio.sleep(args.tail)
    return marks


def reply_log(cluster: LocalCluster) -> dict[int, list[tuple[float, str]]]:
    bot_id = int(TOKEN.split(":")[0])
    r = httpx.get(
        cluster.emulator_url + "/_bench/reply_log", params={"bot_id": bot_id}, timeout=120
    )
    r.raise_for_status()
    return {int(k): [(float(t), str(s)) for t, s in v] for k, v in r.json().items()}


def wait_replies(cluster: LocalCluster, load: Load, users: list[int], timeout: float) -> None:
    """Until every accepted /c<n> has a reply, or nothing new came for 10 s, or ``timeout``."""
    deadline = time.monotonic() + timeout
    last, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        log = reply_log(cluster)
        missing = 0
        for user in users:
            got = {int(m.group(1)) for _, t in log.get(user, []) if (m := REPLY_N.search(t))}
            missing += sum(1 for p in load.accepted(user) if p.n and p.n not in got)
        if missing == 0:
            return
        got_total = sum(len(v) for v in log.values())
        if got_total != last:
            last, last_change = got_total, time.monotonic()
        elif time.monotonic() - last_change > 10:
            return
        time.sleep(0.5)


def wait_events(url: str, quiet_s: float = 3.0, timeout: float = 60.0) -> None:
    """Until the events stream stops growing for ``quiet_s``."""
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + timeout
        last, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            length = int(client.xlen(EVENTS_STREAM))
            if length != last:
                last, since = length, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return
            time.sleep(0.3)
    finally:
        client.close()


def processed_events(url: str) -> dict[int, list[tuple[int, str]]]:
    """Per user, ``(update_id, event_id)`` of every ``update.processed`` event, stream order."""
    client = redis.Redis.from_url(url)
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    try:
        start = "-"
        while True:
            batch = client.xrange(EVENTS_STREAM, min=start, count=10_000)
            if not batch:
                break
            for entry in batch:
                fields = cast(dict[bytes, bytes], entry[1])
                if fields.get(b"type") != b"update.processed":
                    continue
                payload = json.loads(fields[b"body"]).get("payload", {})
                out[int(fields[b"user_id"])].append(
                    (int(payload["update_id"]), fields[b"event_id"].decode())
                )
            start = "(" + cast(bytes, batch[-1][0]).decode()
    finally:
        client.close()
    return out


def store_states(cluster: LocalCluster, users: list[int]) -> dict[int, dict[str, Any]]:
    """Each player's state and ledger as the stores hold them, read through the product's
    repository and records store (one Runtime per store set, sends disabled)."""
    from yabot.config import load_settings
    from yabot.observability.logging import configure_logging
    from yabot.player.state import PlayerState
    from yabot.runtime import Runtime, snapshot_key

    configure_logging("WARNING", json_logs=True)

    root = Path(__file__).resolve().parents[1]
    members = cluster.members[:1] if cluster.cluster else cluster.members
    out: dict[int, dict[str, Any]] = {
        u: {
            "transitions": 0,
            "snapshot_transitions": 0,
            "last_update_id": -1,
            "dailies": 0,
            "keys": [],
            "balanced": True,
        }
        for u in users
    }
    for member in members:
        env = cluster.instance_env(member.name, member.api_port)
        env = {k: v for k, v in env.items() if k.startswith("YABOT_") or k.endswith("_TOKEN")}
        env.pop("YABOT_CLUSTER__ENABLED", None)  # a reader, not a member of the cluster
        settings = load_settings(root / "config.toml", env)
        runtime = Runtime(settings)
        try:
            runtime.effects.send = lambda *_: None
            runtime.effects.submit = lambda *_: None
            for user in users:
                # The snapshot alone is what the instances applied and made durable; the
                # repository's load adds the inbox entries no instance has applied yet.
                stored = runtime.store.load(snapshot_key(user))
                if stored is not None:
                    saved = PlayerState.from_bytes(runtime.encryptor.decrypt_bytes(stored.state))
                    out[user]["snapshot_transitions"] += saved.transitions
                state = runtime.players.load(user)
                movements = runtime.records.movements(user, 10_000)
                row = out[user]
                row["transitions"] += state.transitions
                row["last_update_id"] = max(row["last_update_id"], state.last_update_id)
                row["dailies"] += sum(1 for m in movements if m.reason == "daily reward")
                row["keys"] += [m.idempotency_key for m in movements]
                balance = runtime.records.balance(user)
                row["balanced"] = row["balanced"] and balance == sum(m.amount for m in movements)
        finally:
            with contextlib.suppress(Exception):
                runtime.records.close()
    return out


def handoff_summary(cluster: LocalCluster, marks: dict[str, Any]) -> dict[str, Any]:
    """From ``shard_handoffs``: how many of each kind, and how long after the SIGKILL and
    after the SIGSTOP the victims' shards were taken over (seconds, last one)."""
    import psycopg

    wall_minus_mono = time.time() - time.monotonic()
    with psycopg.connect(cluster.dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT kind, extract(epoch FROM at)::float8, shard FROM shard_handoffs ORDER BY id"
        ).fetchall()
    kinds: dict[str, int] = defaultdict(int)
    failed_over: set[int] = set()
    for kind, _, _ in rows:
        kinds[str(kind)] += 1
    out: dict[str, Any] = {"kinds": dict(kinds)}
    for mark, until in (("killed_at", "paused_at"), ("paused_at", "resumed_at")):
        start, end = marks[mark] + wall_minus_mono, marks[until] + wall_minus_mono
        taken = [at - start for kind, at, _ in rows if kind == "takeover" and start <= at <= end]
        failed_over |= {
            int(shard) for kind, at, shard in rows if kind == "takeover" and start <= at <= end
        }
        out[f"takeover_after_{mark[:-3]}_s"] = round(max(taken), 2) if taken else None
        out[f"takeovers_after_{mark[:-3]}"] = len(taken)
    out["failed_over_shards"] = sorted(failed_over)
    return out


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "p999": at(0.999), "max": at(1.0)}


def count(
    load: Load,
    users: list[int],
    replies: dict[int, list[tuple[float, str]]],
    events: dict[int, list[tuple[int, str]]],
    states: dict[int, dict[str, Any]],
    t0: float = 0.0,
    join_at: float = float("inf"),
    shards: int = 64,
    failed_over: set[int] | frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """The figures of the module docstring, from what the stores and the emulator hold."""
    accepted = lost = applied_once = 0
    doubled = {"transitions": 0, "events": 0, "ledger": 0}
    order = {"replies": 0, "events": 0}
    resent = 0
    lost_kinds = {"state": 0, "event": 0, "reply": 0}
    failover = join_wait = 0.0
    not_in_snapshot = 0
    waits: list[tuple[float, int, int, float]] = []
    by_group: dict[str, list[float]] = {"failed_over": [], "other": []}
    examples: list[dict[str, Any]] = []
    for user in users:
        acc = load.accepted(user)
        accepted += len(acc)
        posted = len(load.posts[user])
        state = states[user]
        # Replies: first time each /c<n> was answered, in chat order.
        first_reply: dict[int, float] = {}
        highest = 0
        for at, text in replies.get(user, []):
            m = REPLY_N.search(text)
            if not m:
                continue
            n = int(m.group(1))
            if n in first_reply:
                resent += 1
                continue
            first_reply[n] = at
            if n < highest:
                order["replies"] += 1
            highest = max(highest, n)
        # Events: distinct event ids per update_id, first occurrences in increasing order.
        per_update: dict[int, set[str]] = defaultdict(set)
        highest = 0
        for update_id, event_id in events.get(user, []):
            if update_id not in per_update and update_id < highest:
                order["events"] += 1
            per_update[update_id].add(event_id)
            highest = max(highest, update_id)
        doubled["events"] += sum(len(ids) - 1 for ids in per_update.values())
        missing: set[int] = set()
        for post in acc:
            if post.update_id not in per_update:
                missing.add(post.update_id)
                lost_kinds["event"] += 1
            if post.n:
                if post.n not in first_reply:
                    missing.add(post.update_id)
                    lost_kinds["reply"] += 1
                else:
                    waited = first_reply[post.n] - post.first_try
                    if post.first_try < join_at:
                        failover = max(failover, waited)
                    else:
                        join_wait = max(join_wait, waited)
                    waits.append((waited, user, post.n, post.first_try - t0))
                    if post.first_try < join_at:
                        group = "failed_over" if shard_of(user, shards) in failed_over else "other"
                        by_group[group].append(waited)
        # The state is the snapshot plus the inbox entries after it (the repository's load):
        # an entry no instance applied shows as a missing event and reply, not here.
        deficit = max(0, len(acc) - state["transitions"])
        lost_kinds["state"] += deficit
        not_in_snapshot += state["transitions"] - state["snapshot_transitions"]
        excess = max(0, state["transitions"] - posted)
        doubled["transitions"] += excess
        doubled["ledger"] += max(0, state["dailies"] - 1) + (
            len(state["keys"]) - len(set(state["keys"]))
        )
        user_lost = max(len(missing), deficit)
        if user_lost and len(examples) < 10:
            examples.append(
                {
                    "user": user,
                    "accepted": len(acc),
                    "snapshot_transitions": state["snapshot_transitions"],
                    "with_inbox": state["transitions"],
                    "missing": [
                        {"update_id": p.update_id, "n": p.n, "posted_s": round(p.first_try - t0, 1)}
                        for p in acc
                        if p.update_id in missing
                    ][:5],
                }
            )
        lost += user_lost
        applied_once += max(0, len(acc) - user_lost - excess)
    return {
        "accepted": accepted,
        "applied_once": applied_once,
        "lost": lost,
        "doubled_effects": sum(doubled.values()),
        "order_violations": sum(order.values()),
        "failover_s_max": round(failover, 2),
        "replies_resent": resent,
        "details": {
            "lost": lost_kinds,
            "doubled": doubled,
            "order": order,
            "join_wait_s_max": round(join_wait, 2),
            "posts_retried": load.retries,
            "updates_not_in_a_snapshot_at_stop": not_in_snapshot,
            "wait_s": _quantiles([w[0] for w in waits]),
            # Before the join: shards taken over after the kill or the pause, and the others
            # (these waited as long without any failover: the host's queueing).
            "wait_s_before_join": {g: _quantiles(v) for g, v in by_group.items()},
            "slowest": [
                {
                    "user": u,
                    "n": n,
                    "shard": shard_of(u, shards),
                    "posted_s": round(at, 1),
                    "waited_s": round(w, 2),
                }
                for w, u, n, at in sorted(waits, reverse=True)[:10]
            ],
            "lost_examples": examples,
            "unbalanced_players": sum(1 for u in users if not states[u]["balanced"]),
            "posted": sum(len(v) for v in load.posts.values()),
        },
    }


async def run(args: argparse.Namespace, cluster: LocalCluster) -> dict[str, Any]:
    users = list(range(FIRST_USER, FIRST_USER + args.players))
    load = Load()
    log: list[str] = []
    host = {"machine_speed_ms": machine_speed_ms(), "load_average_at_start": os.getloadavg()}
    print(f"== host: machine_speed_ms {host['machine_speed_ms']}, load {os.getloadavg()}")
    print(
        f"== chaos: {args.players} players, 3 instances, lease {args.lease_timeout} s, "
        f"cluster mode {'on' if cluster.cluster else 'OFF (embedded fallback)'} in {cluster.dir}",
        flush=True,
    )
    await asyncio.to_thread(cluster.start)
    httpx.post(
        cluster.emulator_url + "/_bench/started",
        json={"token": TOKEN, "users": users},
        timeout=60,
    ).raise_for_status()
    stop = asyncio.Event()
    players = asyncio.create_task(
        play(cluster.front_url, users, args.interval, stop, load, seed=20261207)
    )
    marks = await chaos(cluster, args, log)
    stop.set()
    await players
    print("== players stopped; waiting for replies and events", flush=True)
    await asyncio.to_thread(wait_replies, cluster, load, users, 120.0)
    assert cluster.redis is not None
    await asyncio.to_thread(wait_events, cluster.redis.url)
    fenced = cluster.metric("yabot_cluster_fenced_writes_total")
    # What the live instances noticed themselves (diagnostics, not counted in the checks):
    # replays that took another path than their first run, and players' states loaded again
    # because their shard came back after a loss.
    diverged = cluster.metric("yabot_replays_diverged_total")
    reloaded = cluster.metric("yabot_player_states_reloaded_total")
    fenced_by = {
        m.name: cluster.metric("yabot_cluster_fenced_writes_total", [m])
        for m in cluster.members
        if m.alive()
    }
    renewal_gap_max = {
        m.name: round(cluster.metric("yabot_cluster_lease_renewal_gap_max_seconds", [m]), 2)
        for m in cluster.members
        if m.alive()
    }
    handoffs = await asyncio.to_thread(handoff_summary, cluster, marks)
    front = httpx.get(cluster.front_url + "/_front/backends", timeout=10).json()
    replies = reply_log(cluster)
    await asyncio.to_thread(cluster.stop_instances)
    await asyncio.to_thread(wait_events, cluster.redis.url, 1.0)
    events = processed_events(cluster.redis.url)
    states = await asyncio.to_thread(store_states, cluster, users)
    report = count(
        load,
        users,
        replies,
        events,
        states,
        marks["killed_at"],
        marks["join_started_at"],
        failed_over=set(handoffs.pop("failed_over_shards")),
    )
    report["fenced_writes"] = fenced
    lease = args.lease_timeout
    report["acceptance"] = {
        "lost_0": report["lost"] == 0,
        "doubled_effects_0": report["doubled_effects"] == 0,
        "order_violations_0": report["order_violations"] == 0,
        "failover_within_2x_lease": report["failover_s_max"] <= 2 * lease,
        "fenced_writes_at_least_1": fenced >= 1,
    }
    report["details"].update(
        {
            "cluster_mode": bool(cluster.cluster),
            "fenced_writes_by_instance": fenced_by,
            "replays_diverged": diverged,
            "states_reloaded_after_handoff": reloaded,
            "lease_renewal_gap_max_s": renewal_gap_max,
            "host": {**host, "load_average_at_end": os.getloadavg()},
            "handoffs": handoffs,
            "players": args.players,
            "lease_timeout_s": lease,
            "front": front,
            "chaos": log,
            "marks_s": {k: round(v - marks["killed_at"], 1) for k, v in marks.items()},
            "command": "scripts/chaos" + (" --quick" if args.quick else ""),
        }
    )
    # The keys the brief names first, then the rest.
    order = [
        "accepted",
        "applied_once",
        "lost",
        "doubled_effects",
        "order_violations",
        "fenced_writes",
        "failover_s_max",
        "replies_resent",
        "acceptance",
        "details",
    ]
    return {k: report[k] for k in order}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 players, lease 5 s (~1-2 min)")
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=10.0, help="mean s between actions")
    parser.add_argument("--lease-timeout", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=15.0, help="s of play before the kill")
    parser.add_argument("--gap", type=float, default=10.0, help="s between the chaos steps")
    parser.add_argument("--tail", type=float, default=20.0, help="s of play after the fourth")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="YABOT_KEY=VALUE",
        help="a setting for every instance (repeatable), e.g. YABOT_STORAGE__SNAPSHOT_EVERY_S=10",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.players, args.interval, args.lease_timeout = 200, 2.0, 5.0
        args.warmup, args.gap, args.tail = 5.0, 4.0, 6.0
    if args.players < 1:
        parser.error("--players must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    cluster = LocalCluster(
        instances=3,
        workdir=args.workdir,
        lease_timeout_s=args.lease_timeout,
        emulator_module="loadtests.emulator_process",
        durable=False,
        extra_env=dict(item.split("=", 1) for item in args.set),
    )
    try:
        # uvloop, as the front and the emulator: the players' loop shares the two cores
        # with the cluster it measures.
        report = uvloop.run(run(args, cluster))
    finally:
        cluster.stop()  # also on Ctrl+C: nothing of the cluster outlives the run
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, separators=(",", ":")), flush=True)
    return 0 if all(report["acceptance"].values()) else 1


if __name__ == "__main__":
    os.environ.setdefault("YABOT_SECURITY__ENCRYPTION_KEYS", ENCRYPTION_KEY)
    raise SystemExit(main())
