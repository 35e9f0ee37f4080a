"""A program run in a pseudo-terminal, and the screen a person would see.

The screen is rebuilt from the program's output the way a terminal would: carriage returns,
"erase to end of line", backspaces and newlines; other escape sequences (readline's bracketed
paste mode and the like) change nothing visible here and are dropped.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable

ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")


class Screen:
    """Lines of a terminal as text (no wrapping: the lines are short)."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.col = 0

    def feed(self, data: bytes) -> None:
        """Apply output bytes to the screen."""
        position = 0
        for match in ESCAPE.finditer(data):
            self._text(data[position : match.start()])
            if match.group().endswith(b"K"):
                self.lines[-1] = self.lines[-1][: self.col]
            position = match.end()
        self._text(data[position:])

    def _text(self, data: bytes) -> None:
        for char in data.decode("utf-8", errors="replace"):
            if char == "\n":
                self.lines.append("")
                self.col = 0
            elif char == "\r":
                self.col = 0
            elif char == "\b":
                self.col = max(0, self.col - 1)
            elif char == "\x07":
                continue
            else:
                line = self.lines[-1].ljust(self.col)
                self.lines[-1] = line[: self.col] + char + line[self.col + 1 :]
                self.col += 1

    def text(self) -> str:
        """The whole screen, one line per line."""
        return "\n".join(self.lines)


class PtyTerminal:
    """Run ``command`` with a pseudo-terminal as its stdin, stdout and stderr."""

    def __init__(self, command: list[str], cwd: str, env: dict[str, str] | None = None) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, "TERM": "xterm", "PYTHONUNBUFFERED": "1", **(env or {})},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.screen = Screen()
        self.raw = b""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.raw += data
                self.screen.feed(data)

    def type(self, text: str) -> None:
        """Type ``text`` (add "\\r" to press Enter)."""
        os.write(self.master, text.encode())

    def text(self) -> str:
        """What the screen shows now."""
        with self._lock:
            return self.screen.text()

    def wait_for(self, check: Callable[[str], bool] | str, timeout: float = 20.0) -> str:
        """Wait until the screen contains ``check`` (or ``check(screen)`` is true)."""
        predicate = check if callable(check) else (lambda screen: check in screen)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if predicate(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"not on the screen: {check!r}\n--- screen ---\n{self.text()}")

    def close(self) -> None:
        """End the program (its whole process group) and the terminal."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._reader.join(timeout=2)
        with contextlib.suppress(OSError):
            os.close(self.master)
