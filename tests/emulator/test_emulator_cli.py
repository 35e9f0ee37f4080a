"""``yabot emulator`` as a person starts it: it serves the Bot API, the player side and the page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from yabot.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_yabot_emulator_command_serves_api_and_page(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "YABOT_LOGGING__LEVEL": "WARNING",
        "YABOT_STORAGE__DATA_DIR": str(tmp_path / "var"),
    }
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
    assert f".venv/bin/yabot chat --emulator http://127.0.0.1:{port}" in output
    assert (tmp_path / "var" / "emulator" / "update_ids.json").is_file()


def test_a_port_in_use_or_out_of_range_is_one_line_and_no_banner(tmp_path: Path) -> None:
    """`yabot emulator --port P` with P taken printed its banner ("Telegram emulator on ...")
    and then uvicorn's bind error (exit 3); with P above 65535 it printed the banner and hung."""
    env = {
        **os.environ,
        "YABOT_LOGGING__LEVEL": "WARNING",
        "YABOT_STORAGE__DATA_DIR": str(tmp_path / "var"),
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        for port, problem in ((busy, "is in use"), (99999, "is not a TCP port")):
            done = subprocess.run(
                [sys.executable, "-m", "yabot", "emulator", "--port", str(port)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert done.returncode == 2, (done.stdout, done.stderr)
            assert "Telegram emulator on" not in done.stdout
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and problem in lines[0], done.stderr
            assert "Traceback" not in done.stderr
