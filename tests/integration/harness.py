"""Run the whole bot in-process against the emulator, and act as players."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from yabot.app import serve
from yabot.config import Settings, load_settings
from yabot.emulator.server import EmulatorServer
from yabot.emulator.state import Emulator, EmulatorConfig
from yabot.observability.logging import configure_logging
from yabot.ports import free_port
from yabot.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000002:integration-test-token"
SECRET = "integration-secret_123"


def bot_settings(
    data_dir: Path, emulator_url: str, mode: str = "polling", **extra: str
) -> Settings:
    """Settings for a test bot: fast pacing (the emulator's flood control is off), temp data.

    ``mode`` is ``polling``, ``webhook`` (served with the admin API), ``webhook_port`` (the
    lean webhook server on a port of its own, in the bot's process) or ``webhook_process``
    (the same in the separate webhook process).
    """
    api_port = free_port()
    webhook_port = api_port
    if mode in ("webhook_port", "webhook_process"):
        own_process = "true" if mode == "webhook_process" else "false"
        mode, webhook_port = "webhook", free_port()
        extra = {
            "YABOT_TELEGRAM__WEBHOOK_PORT": str(webhook_port),
            "YABOT_TELEGRAM__WEBHOOK_PROCESS": own_process,
            **extra,
        }
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "YABOT_TELEGRAM__API_BASE": emulator_url,
        "YABOT_TELEGRAM__MODE": mode,
        "YABOT_TELEGRAM__POLLING_TIMEOUT_S": "1",
        "YABOT_TELEGRAM__CHAT_RATE_PER_S": "1000",
        "YABOT_TELEGRAM__CHAT_BURST": "100",
        "YABOT_TELEGRAM__GLOBAL_RATE_PER_S": "100000",
        "YABOT_TELEGRAM__RETRY_BASE_S": "0.05",
        "YABOT_STORAGE__DATA_DIR": str(data_dir),
        "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
        "YABOT_API__PORT": str(api_port),
        "YABOT_LOGGING__LEVEL": "WARNING",
    }
    if mode == "webhook":
        env["YABOT_TELEGRAM__WEBHOOK_URL"] = f"http://127.0.0.1:{webhook_port}/telegram/webhook"
        env["YABOT_TELEGRAM__WEBHOOK_SECRET"] = SECRET
    env.update(extra)
    return load_settings(ROOT / "config.toml", env)


class RunningBot:
    """``yabot.app.serve`` on a background thread with its own event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)
        self.exit_code: int | None = None
        self.error: BaseException | None = None
        self.live_runtime: Runtime | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.api.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        configure_logging(self.settings.logging.level, json_logs=True, cache=False)

        async def main() -> int:
            self._stop = asyncio.Event()
            return await serve(self.settings, self._stop, on_started=self._started)

        try:
            self.exit_code = self._loop.run_until_complete(main())
        except BaseException as exc:  # surfaced by the test through .error
            self.error = exc

    def start(self) -> RunningBot:
        self._thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.error is not None:
                raise self.error
            try:
                if httpx.get(self.api_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the bot did not start")

    def _started(self, runtime: Runtime) -> None:
        self.live_runtime = runtime

    def runtime(self) -> Runtime:
        """The live Runtime (for white-box checks)."""
        if self.live_runtime is None:
            raise RuntimeError("the bot has not started")
        return self.live_runtime

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=20)
        if self.error is not None:
            raise self.error


class Emu:
    """The emulator on a background thread, with its player side."""

    def __init__(self) -> None:
        self.emulator = Emulator(
            EmulatorConfig(webhook_retry_base_s=0.05), tokens=[TOKEN], channels=[-1001000000001]
        )
        self.server = EmulatorServer(self.emulator)
        self.url = ""
        self.http = httpx.Client(timeout=30)

    def start(self) -> Emu:
        self.url = self.server.start()
        self.http.put(
            self.url + "/_emulator/faults", json={"flood_control": False}
        ).raise_for_status()
        return self

    def stop(self) -> None:
        self.http.close()
        self.server.stop()

    def faults(self, **values: Any) -> None:
        self.http.put(
            self.url + "/_emulator/faults", json={"flood_control": False, **values}
        ).raise_for_status()

    def player(self, user_id: int, name: str = "Ana", language: str = "en") -> Player:
        self.http.post(
            self.url + "/_emulator/users",
            json={"id": user_id, "first_name": name, "language_code": language},
        ).raise_for_status()
        return Player(self, user_id)


class Player:
    """One emulated Telegram user in a private chat with the bot."""

    def __init__(self, emu: Emu, user_id: int) -> None:
        self.emu = emu
        self.user_id = user_id
        self.seen = 0

    def send(self, text: str) -> int:
        r = self.emu.http.post(
            f"{self.emu.url}/_emulator/users/{self.user_id}/messages", json={"text": text}
        )
        r.raise_for_status()
        return int(r.json()["update_id"])

    def press(self, message_id: int, data: str) -> dict[str, Any]:
        r = self.emu.http.post(
            f"{self.emu.url}/_emulator/users/{self.user_id}/press",
            json={"message_id": message_id, "data": data},
        )
        r.raise_for_status()
        return dict(r.json())

    def callback_answer(self, query_id: str, timeout: float = 10) -> dict[str, Any]:
        r = self.emu.http.get(
            f"{self.emu.url}/_emulator/callbacks/{query_id}", params={"timeout": timeout}
        )
        r.raise_for_status()
        return dict(r.json())

    def messages(self, after: int = 0) -> list[dict[str, Any]]:
        r = self.emu.http.get(
            f"{self.emu.url}/_emulator/chats/{self.user_id}/messages", params={"after_id": after}
        )
        r.raise_for_status()
        return list(r.json()["messages"])

    def wait_for(self, predicate: Any, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait until the bot's messages after the last read satisfy ``predicate``; return them."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.messages(self.seen)
            if predicate(got):
                if got:
                    self.seen = max(m["message_id"] for m in got)
                return got
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"player {self.user_id}: bot did not answer as expected; got {got!r}"
                )
            r = self.emu.http.get(
                f"{self.emu.url}/_emulator/chats/{self.user_id}/messages",
                params={
                    "after_id": max([self.seen] + [m["message_id"] for m in got]),
                    "timeout": 1.0,
                },
            )
            r.raise_for_status()

    def wait_buttons(self, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait for a bot message with buttons; return all new messages."""
        return self.wait_for(lambda ms: any(m.get("buttons") for m in ms), timeout)

    def say(self, text: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Send ``text`` and wait for at least one reply."""
        self.send(text)
        return self.wait_for(lambda ms: len(ms) > 0, timeout)
