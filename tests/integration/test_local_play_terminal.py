"""Local play in a terminal, as a newcomer does it: `yabot run` with its ports overridden, the
chat command its banner prints typed at a real (pseudo-)terminal, VIP paid in Stars from
there, and `yabot run` restarted under the player's feet."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.emulator.pty_terminal import PtyTerminal
from tests.integration.harness import ROOT, free_port


class LocalBot:
    """`yabot run` without a token, in ``workdir``, on the given ports."""

    def __init__(self, workdir: Path, api_port: int, emulator_port: int) -> None:
        self.workdir = workdir
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("YABOT_") and k != "TELEGRAM_BOT_TOKEN"
        }
        self.env.update(
            {
                "YABOT_API__PORT": str(api_port),
                "YABOT_TELEGRAM__EMULATOR_PORT": str(emulator_port),
                "YABOT_STORAGE__DATA_DIR": str(workdir / "var"),
                "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
            }
        )
        self.emulator = f"http://127.0.0.1:{emulator_port}"
        self.process: subprocess.Popen[str] | None = None
        self.lives = 0

    def start(self) -> str:
        """Start it; return its banner once it answers."""
        self.lives += 1
        out = self.workdir / f"stdout-{self.lives}.txt"
        with out.open("w") as stdout, (self.workdir / f"log-{self.lives}.txt").open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "yabot", "run"],
                cwd=self.workdir,
                env=self.env,
                stdout=stdout,
                stderr=log,
                text=True,
            )
        deadline = time.monotonic() + 60
        while "Stop with Ctrl+C" not in out.read_text():
            assert self.process.poll() is None, "yabot run exited"
            assert time.monotonic() < deadline, "yabot run printed no banner"
            time.sleep(0.1)
        return out.read_text()

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        assert self.process.wait(20) == 0


def chat_command_of(banner: str) -> list[str]:
    """The terminal command the banner prints, runnable from the repository's root."""
    match = re.search(r"Play in a terminal:\s+(.+)", banner)
    assert match, banner
    command = shlex.split(match.group(1))
    if not (ROOT / command[0]).exists():  # a checkout without scripts/run's .venv
        command[:1] = [sys.executable, "-m", "yabot"]
    return command


def test_the_banner_command_plays_pays_vip_and_survives_a_restart(tmp_path: Path) -> None:
    bot = LocalBot(tmp_path, free_port(), free_port())
    banner = bot.start()
    command = chat_command_of(banner)
    assert f"--emulator {bot.emulator}" in " ".join(command), banner
    terminal = PtyTerminal([*command, "--user", "903", "--name", "Ana"], cwd=str(ROOT))
    try:
        terminal.wait_for("Playing as Ana")
        terminal.type("/start\r")
        terminal.wait_for("Welcome, Ana")
        terminal.wait_for("1) ")
        terminal.type("1\r")  # the story's first choice
        terminal.wait_for(lambda s: s.count("1) ") >= 2, timeout=30)

        terminal.type("/vip\r")
        terminal.wait_for("Invoice: VIP")
        terminal.wait_for(re.compile(r"\d\) Pay").search)
        pay = re.findall(r"(\d)\) Pay", terminal.text())[-1]
        terminal.type(f"{pay}\r")
        terminal.wait_for("(you paid 250 XTR)", timeout=30)
        terminal.wait_for("bot: ⭐ You are VIP until", timeout=30)
        payments = httpx.get(f"{bot.emulator}/_emulator/payments").json()
        assert [(p["user_id"], p["total_amount"]) for p in payments] == [(903, 250)]

        first_ids = httpx.get(f"{bot.emulator}/_emulator/bots").json()[0]["next_update_id"]
        bot.stop()
        terminal.wait_for("does not answer")
        bot.start()
        terminal.wait_for("registered you again as Ana", timeout=30)
        later_ids = httpx.get(f"{bot.emulator}/_emulator/bots").json()[0]["next_update_id"]
        assert later_ids > first_ids  # update ids keep growing across the restart
        terminal.type("/start\r")
        screen = terminal.wait_for(
            lambda s: "bot:" in s.split("registered you again as Ana", 1)[1], timeout=30
        )
        assert "does not answer" in screen
    finally:
        terminal.close()
        if bot.process is not None and bot.process.poll() is None:
            bot.stop()
