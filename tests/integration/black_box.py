"""The bot as an operator runs it: ``yabot run`` / ``yabot backup`` / ``yabot restore`` as
processes, players through the webhook (the emulator posts their updates), the admin API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.integration.harness import ROOT, SECRET, TOKEN, Emu, Player, free_port

PASSWORD = "black box admin password 1"
FIRST_UPDATE_ID = 900_000_000
ASK_PROMPTS = ("Write your answer", "Escribe tu respuesta")  # yabot/narrative/render.py


def bot_env(data_dir: Path, emulator_url: str, **extra: str) -> dict[str, str]:
    """The environment of a webhook-mode bot (webhook process on its own port)."""
    api_port, webhook_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YABOT_")}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "YABOT_TELEGRAM__API_BASE": emulator_url,
            "YABOT_TELEGRAM__MODE": "webhook",
            "YABOT_TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/telegram/webhook",
            "YABOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
            "YABOT_TELEGRAM__WEBHOOK_PORT": str(webhook_port),
            "YABOT_TELEGRAM__WEBHOOK_PROCESS": "true",
            "YABOT_TELEGRAM__CHAT_RATE_PER_S": "1000",
            "YABOT_TELEGRAM__CHAT_BURST": "100",
            "YABOT_TELEGRAM__GLOBAL_RATE_PER_S": "100000",
            "YABOT_TELEGRAM__RETRY_BASE_S": "0.05",
            "YABOT_STORAGE__DATA_DIR": str(data_dir),
            "YABOT_STORAGE__SNAPSHOT_EVERY_TRANSITIONS": "3",
            "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
            "YABOT_API__PORT": str(api_port),
            "YABOT_API__BOOTSTRAP_ADMIN_PASSWORD": PASSWORD,
            "YABOT_LOGGING__LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


def yabot(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one ``yabot`` command to its end."""
    return subprocess.run(
        [sys.executable, "-m", "yabot", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class BotProcess:
    """``yabot run`` in its own process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.api = f"http://127.0.0.1:{env['YABOT_API__PORT']}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> BotProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "yabot", "run"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"yabot run exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.api + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"yabot run did not get ready: {self.log.read_text()[-3000:]}")

    def stop(self, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)

    def admin(self) -> dict[str, str]:
        r = httpx.post(
            self.api + "/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}
        )
        r.raise_for_status()
        return {"Authorization": "Bearer " + str(r.json()["access_token"])}

    def player_view(self, user_id: int) -> dict[str, Any]:
        """``GET /api/v1/players/{id}``: story position, signature, balance."""
        r = httpx.get(f"{self.api}/api/v1/players/{user_id}", headers=self.admin(), timeout=30)
        r.raise_for_status()
        body = r.json()
        return {k: body[k] for k in ("story", "signature", "balance")}


def start_ids_near_9e8(emu: Emu) -> None:
    """Make the emulator number this bot's updates from 900,000,000 (a long-running bot)."""
    bot_id = int(TOKEN.split(":")[0])
    emu.emulator.register_bot(TOKEN).next_update_id = FIRST_UPDATE_ID
    assert emu.emulator.bots[bot_id].next_update_id == FIRST_UPDATE_ID


def play(player: Player, turns: int, answer: str = "I remember the rain on the window") -> int:
    """/start, then ``turns`` story moments (a button, or ``answer`` when the story asks).

    Returns:
        How many free-text answers were sent.
    """
    player.send("/start")
    got = player.wait_buttons(timeout=30)
    answered = 0
    for _ in range(turns):
        if any(p in m["text"] for m in got for p in ASK_PROMPTS):
            player.send(answer)
            answered += 1
        else:
            scene = [m for m in got if m.get("buttons")][-1]
            player.press(scene["message_id"], scene["buttons"][0][0]["callback_data"])
        got = player.wait_buttons(timeout=30)
    return answered


def backup_while_serving(emu: Emu, env: dict[str, str], target: Path, user_id: int = 5302) -> None:
    """``yabot backup`` to ``target`` while another player keeps playing through the webhook."""
    import threading

    other = emu.player(user_id, "Bea", "en")
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_playing() -> None:
        try:
            while not stop.is_set():
                play(other, 2)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=keep_playing)
    thread.start()
    try:
        done = yabot(env, "backup", str(target))
    finally:
        stop.set()
        thread.join(60)
    assert done.returncode == 0, done.stderr
    assert not errors, errors
    assert f"backup written to {target}" in done.stdout
