"""Local play as a newcomer gets it: `yabot run` with no token, then the browser page and
`yabot chat` lead to a conversation with the real bot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.emulator.test_webchat import CHROMIUM, DevTools, page  # noqa: F401 (fixture)
from tests.integration.harness import ROOT, free_port


@pytest.fixture
def local_bot(tmp_path: Path) -> Iterator[dict[str, str]]:
    api_port, emulator_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YABOT_") and k != "TELEGRAM_BOT_TOKEN"
    }
    env.update(
        {
            "YABOT_API__PORT": str(api_port),
            "YABOT_TELEGRAM__EMULATOR_PORT": str(emulator_port),
            "YABOT_STORAGE__DATA_DIR": str(tmp_path / "var"),
            "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
        }
    )
    log_path = tmp_path / "yabot.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "yabot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    urls = {"emulator": f"http://127.0.0.1:{emulator_port}", "api": f"http://127.0.0.1:{api_port}"}
    try:
        deadline = time.monotonic() + 40
        while True:
            assert proc.poll() is None, "yabot run exited"
            try:
                if httpx.get(urls["api"] + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "yabot run did not start"
            time.sleep(0.1)
        yield urls
    finally:
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert proc.wait(10) == 0
        assert time.monotonic() - started < 5, "yabot run stops within 5 s"
        log.close()
        assert '"runtime.stopped"' in log_path.read_text(), "its last log lines are written"
        banner = proc.stdout.read() if proc.stdout else ""
        assert f"{urls['emulator']}/chat" in banner, "yabot run tells the person where to play"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium could not be installed")
async def test_browser_page_talks_to_the_real_bot(
    local_bot: dict[str, str],
    page: DevTools,  # noqa: F811 (the fixture imported above)
) -> None:
    await page.send("Page.enable")
    await page.send("Page.navigate", url=f"{local_bot['emulator']}/chat")
    await page.wait_for("document.readyState === 'complete' && !!document.getElementById('player')")
    await page.evaluate("""(() => {
        const form = document.getElementById('player');
        form.user.value = '901'; form.name.value = 'Lucía'; form.lang.value = 'es';
        form.requestSubmit();
    })()""")
    await page.wait_for("document.getElementById('status').textContent === 'playing as 901'")
    await page.evaluate("""(() => {
        document.getElementById('text').value = '/start';
        document.getElementById('send').click();
    })()""")
    welcome = await page.wait_for(
        "[...document.querySelectorAll('.msg.bot .text')].map(e => e.textContent)"
        ".find(t => t.includes('Bienvenido'))"
    )
    assert "Lucía" in welcome
    first_button = await page.wait_for(
        "(() => { const b = document.querySelector('.msg.bot .keyboard button');"
        " return b && b.textContent; })()"
    )
    await page.evaluate("document.querySelector('.msg.bot .keyboard button').click()")
    buttons = "[...document.querySelectorAll('.msg.bot .keyboard button')]"
    await page.wait_for(
        f"{buttons}.length > 0"
        f" && !{buttons}.every(b => b.textContent === {json.dumps(first_button)})"
    )


def test_terminal_chat_talks_to_the_real_bot(local_bot: dict[str, str]) -> None:
    chat = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "yabot",
            "chat",
            "--user",
            "902",
            "--name",
            "Ana",
            "--emulator",
            local_bot["emulator"],
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert chat.stdin is not None
    chat.stdin.write("/start\n")
    chat.stdin.flush()
    time.sleep(3)
    chat.stdin.write("1\n")
    chat.stdin.flush()
    time.sleep(2)
    chat.stdin.write("/quit\n")
    chat.stdin.flush()
    out, _ = chat.communicate(timeout=20)
    assert "Welcome, Ana" in out
    assert "[1]" in out or "1)" in out or "1." in out, out[-500:]
    assert "there is no button" not in out
