"""Cluster members as real ``yabot run`` processes against a throwaway PostgreSQL, and players
posting updates the way Telegram does (one at a time per chat, retrying what was not answered
200), spread round-robin over the live members' webhooks."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from tests.integration.crash_harness import child_env, command_update
from tests.integration.harness import ROOT, SECRET, free_port

KEY = "x2VnH0rC2O3u8xRk5i8gqJ2s0yRkq3b8T2v3M6G8f9E="
SERVICE_TOKEN = "cluster-service-token-0123456789abcdef"
ADMIN_PASSWORD = "cluster admin password 1"
JWT_KEYS = '{"k1": "cluster-test-jwt-signing-secret-0123456789"}'


def member_env(
    dsn: str, emulator_url: str, data_dir: Path, api_port: int, **extra: str
) -> dict[str, str]:
    """The environment of one member (webhook served with the admin API on ``api_port``)."""
    member = {
        "YABOT_STORAGE__BACKEND": "postgres",
        "YABOT_STORAGE__POSTGRES_DSN": dsn,
        "YABOT_API__SERVICE_TOKEN": SERVICE_TOKEN,
        "YABOT_API__JWT_KEYS": JWT_KEYS,  # the same on every member: a token works on any
        "YABOT_API__BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "YABOT_RUNTIME__SHARDS": "8",
        "YABOT_CLUSTER__ENABLED": "true",
        "YABOT_CLUSTER__LEASE_TIMEOUT_S": "3",
        "YABOT_CLUSTER__MEMBER_URL": f"http://127.0.0.1:{api_port}",
    }
    return child_env(emulator_url, api_port, data_dir, KEY, **{**member, **extra})


class Member:
    """One ``yabot run`` process of the cluster."""

    def __init__(self, name: str, dsn: str, emulator_url: str, base: Path, **extra: str) -> None:
        self.name = name
        self.api_port = free_port()
        self.env = member_env(dsn, emulator_url, base / name, self.api_port, **extra)
        self.log = base / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def webhook(self) -> str:
        return self.url + "/telegram/webhook"

    def start(self, timeout: float = 60.0) -> Member:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "yabot", "--config", str(ROOT / "config.toml"), "run"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()
        raise AssertionError(f"{self.name} did not become healthy: {self.log.read_text()[-3000:]}")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        self.proc.terminate()
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def admin(self) -> dict[str, str]:
        r = httpx.post(
            self.url + "/api/v1/auth/token",
            json={"username": "admin", "password": ADMIN_PASSWORD},
            timeout=30,
        )
        r.raise_for_status()
        return {"Authorization": "Bearer " + str(r.json()["access_token"])}

    def metric(self, name: str, labels: str = "") -> float:
        text = httpx.get(self.url + "/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + (("{" + labels) if labels else "")) and not line.startswith(
                "#"
            ):
                head, _, value = line.rpartition(" ")
                if head == name or head.startswith(name + "{"):
                    total += float(value)
        return total


class Players:
    """Each player's queue of updates; an update leaves the queue once answered 200."""

    def __init__(self, users: list[int], per_player: int = 200) -> None:
        self.queues: dict[int, list[dict[str, Any]]] = {u: [] for u in users}
        self.accepted: dict[int, list[int]] = {u: [] for u in users}
        self.next_id = 7_000_000
        for n in range(per_player):
            for user_id in users:
                self.queues[user_id].append(command_update(self.next_id, user_id, f"/c{n}"))
                self.next_id += 1

    def play(self, webhooks: list[str], seconds: float) -> None:
        asyncio.run(self._play(webhooks, time.monotonic() + seconds))

    async def _play(self, webhooks: list[str], stop_at: float) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        front = itertools.cycle(webhooks)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as http:
            await asyncio.gather(
                *(self._one(http, front, u, headers, stop_at) for u in self.queues)
            )

    async def _one(
        self,
        http: aiohttp.ClientSession,
        front: itertools.cycle[str],
        user_id: int,
        headers: dict[str, str],
        stop_at: float,
    ) -> None:
        queue = self.queues[user_id]
        while queue and time.monotonic() < stop_at:
            sent = queue[0]
            try:
                async with http.post(
                    next(front), json=sent, headers=headers, timeout=aiohttp.ClientTimeout(total=3)
                ) as r:
                    ok = r.status == 200
            except (TimeoutError, aiohttp.ClientError):
                ok = False  # that member is away: Telegram retries (here: on the next one)
            if not ok:
                await asyncio.sleep(0.05)
                continue
            self.accepted[user_id].append(sent["update_id"])
            queue.pop(0)
            await asyncio.sleep(0.01)
