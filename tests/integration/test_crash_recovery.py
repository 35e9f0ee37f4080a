"""SIGKILL the bot process again and again while players play: nothing lost, nothing twice.

Each round starts ``yabot run`` (webhook mode) as a real process, 50 players post updates to
its webhook the way Telegram does (one at a time per chat, retrying what was not answered
200), and the process is killed with SIGKILL at a random moment. At the end every update
the webhook answered 200 has been applied exactly once (the player's transition count and
last update match), besitos were credited once, every accepted update got a reply, and every
``update.processed`` event reached Redis.

It runs on the embedded stores (SQLite) and in cluster mode (issue 20): the process is then a
cluster member on PostgreSQL (``storage.backend = "postgres"``, ``[cluster] enabled``) whose
shards are taken over by its next life, and the checks read the shared stores.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest
import redis

from tests.integration.crash_harness import child_env, command_update, wait_for_replies
from tests.integration.harness import ROOT, SECRET, TOKEN, Emu, bot_settings
from yabot.cluster.local import PrivateRedis
from yabot.runtime import Runtime

PLAYERS = 50
ROUNDS = int(os.environ.get("YABOT_TEST_KILL_ROUNDS", "20"))


class Players:
    """Each player's queue of updates; an update leaves the queue once answered 200."""

    def __init__(self, users: list[int]) -> None:
        self.queues: dict[int, list[dict]] = {u: [] for u in users}
        self.accepted: dict[int, list[int]] = {u: [] for u in users}
        self.next_id = 5_000_000
        self.texts: dict[int, str] = {}
        for n in range(400):
            for user_id in users:
                text = "/daily" if n % 7 == 3 else f"/c{n}"
                self.queues[user_id].append(command_update(self.next_id, user_id, text))
                self.texts[self.next_id] = text
                self.next_id += 1

    async def play(self, url: str, stop_at: float) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=PLAYERS)) as http:
            await asyncio.gather(*(self._one(http, url, u, headers, stop_at) for u in self.queues))

    async def _one(
        self, http: aiohttp.ClientSession, url: str, user_id: int, headers: dict, stop_at: float
    ) -> None:
        queue = self.queues[user_id]
        while queue and time.monotonic() < stop_at:
            update = queue[0]
            try:
                async with http.post(
                    url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=5)
                ) as r:
                    ok = r.status == 200
            except (TimeoutError, aiohttp.ClientError):
                return  # the process died: Telegram keeps the update and retries later
            if not ok:
                return
            self.accepted[user_id].append(update["update_id"])
            queue.pop(0)


def _start(env: dict[str, str], api_port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "yabot", "--config", str(ROOT / "config.toml"), "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"yabot run exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=0.5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("yabot run did not become healthy")


def _wait_for_metric(api_port: int, name: str, value: float, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        text = httpx.get(f"http://127.0.0.1:{api_port}/metrics", timeout=5).text
        for line in text.splitlines():
            if line.startswith(name + " "):
                seen = float(line.split()[1])
        if seen == value:
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} stayed at {seen}")


@pytest.fixture
def events_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of the test's own for the events (never the machine's shared one)."""
    server = PrivateRedis(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["embedded", "cluster"])
def test_sigkill_while_50_players_play(
    emu: Emu,
    tmp_path: Path,
    mode: str,
    request: pytest.FixtureRequest,
    events_redis: PrivateRedis,
) -> None:
    stream = f"yabot:test:{uuid.uuid4().hex}"
    key = "x2VnH0rC2O3u8xRk5i8gqJ2s0yRkq3b8T2v3M6G8f9E="
    stores: dict[str, str] = {}
    if mode == "cluster":
        dsn = request.getfixturevalue("pg_dsn")
        stores = {
            "YABOT_STORAGE__BACKEND": "postgres",
            "YABOT_STORAGE__POSTGRES_DSN": dsn,
            "YABOT_RUNTIME__SHARDS": "8",
        }
    # The checks below read the stores as a single reader (not a member of the cluster).
    settings = bot_settings(
        tmp_path / "data", emu.url, "webhook", YABOT_SECURITY__ENCRYPTION_KEYS=key, **stores
    )
    api_port = settings.api.port
    env = child_env(
        emu.url,
        api_port,
        tmp_path / "data",
        key,
        YABOT_EVENTS__REDIS_URL=events_redis.url,
        YABOT_EVENTS__STREAM=stream,
        **stores,
    )
    if mode == "cluster":
        env.update(
            {
                "YABOT_CLUSTER__ENABLED": "true",
                "YABOT_CLUSTER__LEASE_TIMEOUT_S": "3",
                "YABOT_CLUSTER__MEMBER_URL": f"http://127.0.0.1:{api_port}",
                "YABOT_API__SERVICE_TOKEN": "crash-test-service-token-0123456789",
            }
        )
    users = [700_000 + i for i in range(PLAYERS)]
    bot_state = emu.emulator.register_bot(TOKEN)
    for user_id in users:
        emu.player(user_id, "P", "en")
        bot_state.started.add(user_id)
    players = Players(users)
    rng = random.Random(20261126)
    webhook = f"http://127.0.0.1:{api_port}/telegram/webhook"
    try:
        for _ in range(ROUNDS):
            t0 = time.monotonic()
            proc = _start(env, api_port)
            print(f"started in {time.monotonic() - t0:.2f}s")
            asyncio.run(players.play(webhook, time.monotonic() + rng.uniform(0.3, 1.5)))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        proc = _start(env, api_port)  # the last life: recover, send what is owed, stop cleanly
        wait_for_replies(emu, players.accepted)
        _wait_for_metric(api_port, "yabot_replies_pending", 0.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()

    if mode == "cluster":
        import psycopg

        with psycopg.connect(stores["YABOT_STORAGE__POSTGRES_DSN"]) as conn:
            row = conn.execute("SELECT min(epoch), count(*) FROM shard_leases").fetchone()
        # Every life of the member acquired every shard again, raising its epoch.
        assert row == (ROUNDS + 1, 8), row

    accepted_total = sum(len(v) for v in players.accepted.values())
    assert accepted_total > PLAYERS * 5, "the players got to play between the kills"

    # Every accepted update applied exactly once, in effect.
    runtime = Runtime(settings)
    try:
        # Replay must need no sends: all is processed.
        runtime.effects.send = lambda *_: None
        runtime.effects.submit = lambda *_: None
        for user_id in users:
            state = runtime.players.load(user_id)
            ids = players.accepted[user_id]
            assert state.transitions == len(ids), (user_id, state.transitions, len(ids))
            assert state.last_update_id == (max(ids) if ids else -1)
            daily_sent = any(players.texts[i] == "/daily" for i in ids)
            movements = runtime.records.movements(user_id, 1000)
            dailies = [m for m in movements if m.reason == "daily reward"]
            assert len(dailies) == (1 if daily_sent else 0), "one daily reward per day, never twice"
            assert runtime.records.balance(user_id) == sum(m.amount for m in movements)
            assert state.economy.balance == runtime.records.balance(user_id)
    finally:
        runtime.records.close()

    # Every accepted update got a reply.
    for user_id in users:
        got = emu.http.get(f"{emu.url}/_emulator/chats/{user_id}/messages").json()["messages"]
        assert len(got) >= len(players.accepted[user_id]), user_id

    # Every update.processed event reached Redis at least once.
    client = redis.Redis.from_url(events_redis.url)
    try:
        seen: set[int] = set()
        for _, fields in client.xrange(stream):
            if fields[b"type"] == b"update.processed":
                seen.add(int(json.loads(fields[b"body"])["payload"]["update_id"]))
        expected = {i for ids in players.accepted.values() for i in ids}
        assert expected <= seen, f"{len(expected - seen)} processed events never reached Redis"
    finally:
        client.delete(stream)
        client.close()
