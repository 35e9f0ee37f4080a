"""Start and stop the processes of a load test: the emulator, YABOT and the bare aiogram bot.

Each runs in its own process (so that its CPU and memory are its own, as in production) with
the repository's interpreter; ``Stack`` waits until each is ready and stops them in reverse
order with SIGTERM (SIGKILL after a grace period).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from yabot.cluster.local import PrivateRedis
from yabot.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
YABOT_TOKEN = "7000003:yabot-bench-token"
BARE_TOKEN = "7000004:bare-aiogram-bench-token"
SECRET = "bench-secret_123"


def _wait_port_file(
    proc: subprocess.Popen[bytes], path: Path, what: str, timeout: float = 60
) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = path.with_suffix(".log")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} exited with {proc.returncode}: {tail}")
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {timeout} s")


@dataclass
class Stack:
    """The processes of one load test run.

    Args:
        mode: ``webhook`` or ``polling`` for YABOT.
        redis: Relay YABOT's events to a Redis of the stack's own (a ``redis-server`` on a free
            port, stopped with the stack; never the machine's shared one).
        webhook_process: Serve YABOT's webhook from its webhook process on a port of its own
            (``telegram.webhook_port``); ``yabot_webhook`` is the URL either way.
        webhook_port: Serve it from the lean webhook server on a port of its own in YABOT's
            process (``telegram.webhook_process = false``).
        extra_env: More ``YABOT_*`` settings for YABOT.
    """

    mode: str = "webhook"
    redis: bool = True
    webhook_process: bool = False
    webhook_port: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="yabot-load-")))
    emulator_url: str = ""
    yabot_url: str = ""
    yabot_webhook: str = ""
    bare_url: str = ""
    stream: str = field(default_factory=lambda: f"yabot:bench:{uuid.uuid4().hex}")
    private_redis: PrivateRedis | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _spawn(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - the process owns it
        proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env or dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs[name] = proc
        return proc

    def start_emulator(self) -> str:
        """Start the emulator; return its base URL."""
        port_file = self.workdir / "emulator.port"
        proc = self._spawn(
            "emulator", ["-m", "loadtests.emulator_process", "--port-file", str(port_file)]
        )
        self.emulator_url = f"http://127.0.0.1:{_wait_port_file(proc, port_file, 'the emulator')}"
        return self.emulator_url

    def yabot_env(self, api_port: int) -> dict[str, str]:
        """YABOT's environment: embedded storage in the work dir, limits raised for benchmarks."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("YABOT_")}
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": YABOT_TOKEN,
                "YABOT_TELEGRAM__API_BASE": self.emulator_url,
                "YABOT_TELEGRAM__MODE": self.mode,
                "YABOT_TELEGRAM__POLLING_TIMEOUT_S": "10",
                "YABOT_TELEGRAM__CHAT_RATE_PER_S": "1000",
                "YABOT_TELEGRAM__CHAT_BURST": "100",
                "YABOT_TELEGRAM__GLOBAL_RATE_PER_S": "100000",
                "YABOT_STORAGE__DATA_DIR": str(self.workdir / "data"),
                "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
                "YABOT_API__PORT": str(api_port),
                "YABOT_LOGGING__LEVEL": "WARNING",
                "YABOT_SECURITY__ENCRYPTION_KEYS": "x2VnH0rC2O3u8xRk5i8gqJ2s0yRkq3b8T2v3M6G8f9E=",
            }
        )
        if self.mode == "webhook":
            webhook_port = api_port
            if self.webhook_process or self.webhook_port:
                webhook_port = free_port()
                env["YABOT_TELEGRAM__WEBHOOK_PORT"] = str(webhook_port)
                env["YABOT_TELEGRAM__WEBHOOK_PROCESS"] = str(self.webhook_process).lower()
            self.yabot_webhook = f"http://127.0.0.1:{webhook_port}/telegram/webhook"
            env["YABOT_TELEGRAM__WEBHOOK_URL"] = self.yabot_webhook
            env["YABOT_TELEGRAM__WEBHOOK_SECRET"] = SECRET
        if self.redis:
            if self.private_redis is None:
                self.private_redis = PrivateRedis(self.workdir / "redis").start()
            env["YABOT_EVENTS__REDIS_URL"] = self.private_redis.url
            env["YABOT_EVENTS__STREAM"] = self.stream
            env["YABOT_EVENTS__PUBSUB_CHANNEL"] = self.stream + ":live"
        env.update(self.extra_env)
        return env

    def start_yabot(self) -> str:
        """Start YABOT (``loadtests.yabot_process``); return its base URL once healthy."""
        port = free_port()
        proc = self._spawn("yabot", ["-m", "loadtests.yabot_process"], self.yabot_env(port))
        self.yabot_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = (self.workdir / "yabot.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"YABOT exited with {proc.returncode}: {tail}")
            try:
                if httpx.get(self.yabot_url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("YABOT did not become healthy within 60 s")
        self._wait_bot_connected(YABOT_TOKEN)
        return self.yabot_url

    def _wait_bot_connected(self, token: str) -> None:
        bot_id = int(token.split(":")[0])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            bots = httpx.get(self.emulator_url + "/_emulator/bots", timeout=5).json()
            mine = [b for b in bots if b["id"] == bot_id]
            if mine and (self.mode == "polling" or mine[0]["mode"] == "webhook"):
                return
            time.sleep(0.1)
        raise RuntimeError("YABOT never connected to the emulator")

    def start_bare(self) -> str:
        """Start the bare aiogram echo bot; return its base URL."""
        port_file = self.workdir / "bare.port"
        proc = self._spawn(
            "bare",
            [
                "-m",
                "loadtests.bare_aiogram_bot",
                "--api-base",
                self.emulator_url,
                "--token",
                BARE_TOKEN,
                "--secret",
                SECRET,
                "--port-file",
                str(port_file),
            ],
        )
        self.bare_url = (
            f"http://127.0.0.1:{_wait_port_file(proc, port_file, 'the bare aiogram bot')}"
        )
        return self.bare_url

    def pid(self, name: str) -> int:
        """The process id of ``emulator``, ``yabot`` or ``bare``."""
        return self.procs[name].pid

    def stop(self) -> None:
        """Stop every process (bots first, the stack's Redis last)."""
        for name in ("bare", "yabot", "emulator"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self.private_redis is not None:
            self.private_redis.stop()
            self.private_redis = None

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
