"""``yabot chat`` driven through pipes, as a person at a terminal would use it."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from yabot.emulator.echo import EchoBot
from yabot.emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "4242:echo"


class Terminal:
    """A running ``yabot chat`` with helpers to type and to wait for output."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "yabot", "chat", *args],
            cwd=ROOT,
            env=env,
            text=True,
            encoding="utf-8",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def expect(self, fragment: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{fragment!r} not shown; output so far: {self.seen}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(line)
            if fragment in line:
                return line

    def expect_all(self, *fragments: str) -> None:
        """Wait for lines containing each fragment, in any order."""
        missing = list(fragments)
        while missing:
            line = self.expect("")
            missing = [f for f in missing if f not in line]


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        httpx.post(f"{server.url}/_emulator/bots", json={"token": BOT_TOKEN})
        bot = EchoBot(server.url, BOT_TOKEN).start()
        yield server
        bot.stop()


def test_chat_shows_messages_numbered_buttons_and_edits(emulator: EmulatorServer) -> None:
    terminal = Terminal(
        ["--emulator", emulator.url, "--user", "77", "--name", "Ana", "--lang", "es"]
    )
    try:
        terminal.expect("Playing as Ana (id 77, es)")
        terminal.type("hola bot")
        terminal.expect("bot: echo: hola bot")
        assert "1) Again   2) Other" in terminal.expect("1) Again")
        terminal.type("2")
        terminal.expect_all("bot (notice): you pressed other", "bot (edited): pressed: other")
        terminal.type("#9")
        terminal.expect("! there is no button 9")
        terminal.type("/start")
        terminal.expect("bot: echo: /start")
        terminal.type("/invoice")
        terminal.expect("bot: Invoice: Echo VIP - A test purchase (5 XTR)")
        terminal.expect("1) Pay")
        terminal.type("1")
        terminal.expect("(you paid 5 XTR)")
        terminal.type("/quit")
        terminal.expect("bye")
        assert terminal.process.wait(timeout=10) == 0
    finally:
        terminal.process.kill()
    history = httpx.get(
        f"{emulator.url}/_emulator/chats/77/messages", params={"include_user": True}
    ).json()["messages"]
    assert [m["text"] for m in history][:4] == [
        "hola bot",
        "pressed: other",
        "/start",
        "echo: /start",
    ]
    payments = httpx.get(f"{emulator.url}/_emulator/payments").json()
    assert [(p["user_id"], p["total_amount"], p["invoice_payload"]) for p in payments] == [
        (77, 5, "echo-vip")
    ]


def test_chat_without_an_emulator_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "yabot", "chat", "--emulator", "http://127.0.0.1:9", "--user", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        input="",
    )
    assert result.returncode == 1
    assert "no emulator answers at http://127.0.0.1:9" in result.stdout
    assert "--emulator URL" in result.stdout


def test_chat_with_an_id_the_emulator_refuses_says_why(emulator: EmulatorServer) -> None:
    """`yabot chat --user -5` against a running emulator said "no emulator answers"."""
    result = subprocess.run(
        [sys.executable, "-m", "yabot", "chat", "--emulator", emulator.url, "--user", "-5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        input="",
    )
    assert result.returncode == 1
    assert "no emulator answers" not in result.stdout, result.stdout
    assert "positive integer" in result.stdout, result.stdout
