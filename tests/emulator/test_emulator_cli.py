"""``yabot emulator`` as a person starts it: it serves the Bot API, the player side and the page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_yabot_emulator_command_serves_api_and_page() -> None:
    port = free_port()
    env = {**os.environ, "YABOT_LOGGING__LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "yabot", "emulator", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/_emulator/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert process.poll() is None, "the emulator exited"
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        page = httpx.get(f"{base}/", follow_redirects=True)
        assert page.status_code == 200 and "YABOT local chat" in page.text
        assert httpx.get(f"{base}/static/chat.js").status_code == 200
        assert httpx.get(f"{base}/static/missing.js").status_code == 404
        assert httpx.get(f"{base}/bot1:a/getMe").json()["result"]["is_bot"] is True
        vip = httpx.get(f"{base}/_emulator/channels/-1001000000001").json()
        assert vip["type"] == "channel" and vip["members"] == []
        assert "yabot_emulator_rejections_total" in httpx.get(f"{base}/metrics").text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    assert f"Telegram emulator on http://127.0.0.1:{port}" in output
