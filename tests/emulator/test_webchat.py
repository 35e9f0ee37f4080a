"""The emulator's chat page in headless Chromium: pick a player, send /start, see the answer,
press an inline button and see the edit. The echo bot stands in for YABOT here."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from yabot.emulator.echo import EchoBot
from yabot.emulator.server import EmulatorServer
from yabot.emulator.state import Emulator, EmulatorConfig

CHROMIUM = Path("/usr/bin/chromium")
BOT_TOKEN = "4242:echo"
START_REPLY = "echo: /start"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed and scripts/_test-prereqs.sh could not install it",
)


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        await self.socket.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = json.loads((await self.socket.receive()).data)
            if message.get("id") == call_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    async def evaluate(self, expression: str) -> Any:
        answer = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in answer:
            raise AssertionError(f"page error: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                shown = await self.evaluate("document.body.innerText")
                raise AssertionError(f"never true: {expression}\npage shows:\n{shown}")
            await asyncio.sleep(0.1)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        httpx.post(f"{server.url}/_emulator/bots", json={"token": BOT_TOKEN})
        bot = EchoBot(server.url, BOT_TOKEN).start()
        yield server
        bot.stop()


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[DevTools]:
    profile = tmp_path / "chromium-profile"
    browser = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert browser.poll() is None, "chromium exited at start"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as listing:
                targets = await listing.json()
            target = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                yield DevTools(ws)
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()


async def test_chat_page_plays_with_the_bot(emulator: EmulatorServer, page: DevTools) -> None:
    await page.send("Page.enable")
    await page.send("Page.navigate", url=f"{emulator.url}/chat")
    await page.wait_for("document.readyState === 'complete' && !!document.getElementById('player')")

    await page.evaluate("""(() => {
        const form = document.getElementById('player');
        form.user.value = '501'; form.name.value = 'Lucía'; form.lang.value = 'es';
        form.requestSubmit();
    })()""")
    await page.wait_for("document.getElementById('status').textContent === 'playing as 501'")
    await page.evaluate("""(() => {
        document.getElementById('text').value = '/start';
        document.getElementById('send').click();
    })()""")
    reply = await page.wait_for(
        f"[...document.querySelectorAll('.msg.bot .text')].map(e => e.textContent)"
        f".find(t => t.includes({json.dumps(START_REPLY)}))"
    )
    assert reply == START_REPLY
    assert await page.evaluate("document.querySelector('.msg.user .text').textContent") == "/start"
    buttons = await page.evaluate(
        "[...document.querySelectorAll('.msg.bot .keyboard button')].map(b => b.textContent)"
    )
    assert buttons == ["Again", "Other"]

    await page.evaluate("document.querySelector('.msg.bot button[data-data=\"again\"]').click()")
    edited = await page.wait_for(
        "(() => { const m = document.querySelector('.msg.bot');"
        " return m.querySelector('.meta').textContent.includes('edited')"
        " && m.querySelector('.text').textContent; })()"
    )
    assert edited == "pressed: again"
    await page.wait_for(
        "[...document.querySelectorAll('.toast')].some(t => t.textContent === 'you pressed again')"
    )

    await page.evaluate("""(() => {
        document.getElementById('text').value = '/invoice';
        document.getElementById('send').click();
    })()""")
    await page.wait_for("!!document.querySelector('.msg.bot button.pay')")
    await page.evaluate("document.querySelector('.msg.bot button.pay').click()")
    paid = await page.wait_for(
        "[...document.querySelectorAll('.msg.user .text')].map(e => e.textContent)"
        ".find(t => t.startsWith('✅'))"
    )
    assert paid == "✅ paid 5 XTR"

    user = httpx.get(f"{emulator.url}/_emulator/users/501").json()
    assert user["first_name"] == "Lucía" and user["language_code"] == "es"


async def test_chat_page_explains_how_to_begin_renders_formatting_and_hides_ids(
    emulator: EmulatorServer, page: DevTools
) -> None:
    await page.send("Page.enable")
    await page.send("Page.navigate", url=f"{emulator.url}/chat")
    await page.wait_for("document.readyState === 'complete' && !!document.getElementById('player')")
    landing = await page.evaluate("document.getElementById('log').innerText")
    assert "Press Play" in landing and "/start" in landing  # not an empty grey area
    fonts = await page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Color Emoji" in fonts and "emoji" in fonts

    await page.evaluate("""(() => {
        const form = document.getElementById('player');
        form.user.value = '502'; form.name.value = 'Ana'; form.requestSubmit();
    })()""")
    await page.wait_for("document.getElementById('status').textContent === 'playing as 502'")
    assert "Send /start" in await page.evaluate("document.getElementById('log').innerText")
    await page.evaluate("""(() => {
        document.getElementById('text').value = '/start';
        document.getElementById('send').click();
    })()""")
    await page.wait_for("!!document.querySelector('.msg.bot')")
    sent = httpx.post(
        f"{emulator.url}/bot{BOT_TOKEN}/sendMessage",
        json={
            "chat_id": 502,
            "parse_mode": "HTML",
            "text": "<b>Bold</b> and <i>italic</i>, <a href='https://example.org/x'>a link</a>"
            " and https://example.com/y.",
        },
    ).json()
    assert sent["ok"], sent
    message = f"document.getElementById('msg-{sent['result']['message_id']}')"
    await page.wait_for(f"!!{message}")
    shown = await page.evaluate(f"""(() => {{
        const m = {message};
        return {{
            bold: m.querySelector('b')?.textContent,
            weight: getComputedStyle(m.querySelector('b')).fontWeight,
            italic: m.querySelector('i')?.textContent,
            links: [...m.querySelectorAll('a')].map(a => [a.textContent, a.href]),
            meta: m.querySelector('.meta').textContent,
        }};
    }})()""")
    assert shown["bold"] == "Bold" and int(shown["weight"]) >= 700
    assert shown["italic"] == "italic"
    assert shown["links"] == [
        ["a link", "https://example.org/x"],
        ["https://example.com/y", "https://example.com/y"],
    ]
    assert shown["meta"] == ""  # no debug id unless asked
    assert "#" not in await page.evaluate("document.getElementById('log').innerText")

    await page.send("Page.navigate", url=f"{emulator.url}/chat?user=502&name=Ana&debug=1")
    await page.wait_for(f"!!{message}")
    meta = await page.evaluate(f"{message}.querySelector('.meta').textContent")
    assert meta == f"#{sent['result']['message_id']}"


async def test_chat_page_carries_on_when_the_emulator_starts_again(
    tmp_path: Path, page: DevTools
) -> None:
    """`yabot run` restarted: its emulator starts again on the same port and has forgotten the
    player. The page registers them again, says so, keeps the earlier messages on screen (their
    ids are used again by the new emulator) and the next message is answered."""
    config = EmulatorConfig(state_dir=tmp_path / "emulator")  # update ids keep growing
    first = EmulatorServer(Emulator(config))
    url = first.start()
    bot = EchoBot(url, BOT_TOKEN).start()
    second: EmulatorServer | None = None
    try:
        await page.send("Page.enable")
        await page.send("Page.navigate", url=f"{url}/chat")
        await page.wait_for(
            "document.readyState === 'complete' && !!document.getElementById('player')"
        )
        await page.evaluate("""(() => {
            const form = document.getElementById('player');
            form.user.value = '502'; form.name.value = 'Ana'; form.lang.value = 'en';
            form.requestSubmit();
        })()""")
        await page.wait_for("document.getElementById('status').textContent === 'playing as 502'")
        await page.evaluate("""(() => {
            document.getElementById('text').value = 'before';
            document.getElementById('send').click();
        })()""")
        bot_texts = "[...document.querySelectorAll('.msg.bot .text')].map(e => e.textContent)"
        await page.wait_for(f"{bot_texts}.includes('echo: before')")

        first.stop()
        second = EmulatorServer(Emulator(config), port=first.port)
        second.start()
        await page.evaluate("""(() => {
            document.getElementById('text').value = 'after';
            document.getElementById('send').click();
        })()""")
        await page.wait_for(f"{bot_texts}.includes('echo: after')", timeout=30)
        shown = await page.evaluate(bot_texts)
        assert "echo: before" in shown, f"the earlier messages stay on the page: {shown}"
        assert await page.evaluate(
            "[...document.querySelectorAll('.hint')].some(h => h.textContent.includes("
            "'started again'))"
        ), "the page says what happened"
        assert await page.evaluate(
            "[...document.querySelectorAll('.msg.bot')].filter(m => m.textContent.includes("
            "'echo: before')).every(m => [...m.querySelectorAll('button')].every(b => b.disabled))"
        ), "the earlier buttons are gone"
    finally:
        bot.stop()
        (second or first).stop()
