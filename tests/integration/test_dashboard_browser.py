"""The dashboard in headless Chromium against the whole bot and the emulator.

An admin signs in, opens a player who is playing through the emulator, sees the story position
change as the player presses a button, credits besitos and finds the movement in the ledger
and in the audit log, and sends a broadcast that the player receives; a viewer's page offers
no actions. Every request the browser makes stays
on loopback. Set ``YABOT_DASHBOARD_SCREENSHOTS=<dir>`` to keep the screenshots (docs/ holds
the ones taken this way).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.emulator.test_webchat import CHROMIUM, DevTools, page  # noqa: F401 (fixture)
from tests.integration.harness import Emu, Player, RunningBot, bot_settings

PASSWORD = "correct horse battery staple"
VIEWER_PASSWORD = "viewer horse battery staple"
USER_ID = 6101
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing")


def _token(api: str, username: str, password: str) -> dict[str, str]:
    r = httpx.post(api + "/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


@pytest.fixture
def bot(emu: Emu, tmp_path: Path) -> Iterator[RunningBot]:
    settings = bot_settings(
        tmp_path / "data",
        emu.url,
        "polling",
        YABOT_API__BOOTSTRAP_ADMIN_PASSWORD=PASSWORD,
        YABOT_SECURITY__PASSWORD_SCRYPT_LOG2_N="12",
    )
    running = RunningBot(settings).start()
    admin = _token(running.api_url, "admin", PASSWORD)
    created = httpx.post(
        running.api_url + "/api/v1/admin/accounts",
        headers=admin,
        json={"username": "vera", "password": VIEWER_PASSWORD, "role": "viewer"},
    )
    assert created.status_code == 201, created.text
    yield running
    running.stop()


class Browser:
    """The page plus the URLs of every request it made."""

    def __init__(self, tools: DevTools) -> None:
        self.tools = tools
        self.requests: list[str] = []

    async def start(self) -> None:
        await self.tools.send("Page.enable")
        await self.tools.send("Network.enable")
        await self.tools.send(
            "Emulation.setDeviceMetricsOverride",
            width=1360,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        # DevTools.send drops events while it waits for its answer: read them off first.
        call_id = next(self.tools.ids)
        await self.tools.socket.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = json.loads((await self.tools.socket.receive()).data)
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
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
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if loop.time() > deadline:
                shown = await self.evaluate("document.body.innerText")
                raise AssertionError(f"never true: {expression}\npage shows:\n{shown}")
            await asyncio.sleep(0.1)

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'")

    async def text(self, selector: str) -> str:
        return str(
            await self.evaluate(
                f"document.querySelector({json.dumps(selector)})?.textContent ?? ''"
            )
        )

    async def sign_in(self, username: str, password: str) -> None:
        await self.wait_for("!document.getElementById('login').hidden")
        await self.evaluate(
            f"""(() => {{
                document.getElementById('login-user').value = {json.dumps(username)};
                document.getElementById('login-password').value = {json.dumps(password)};
                document.getElementById('login-form').requestSubmit();
            }})()"""
        )
        await self.wait_for("!document.getElementById('nav').hidden")

    async def screenshot(self, name: str) -> bytes:
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        data = base64.b64decode(shot["data"])
        keep = os.environ.get("YABOT_DASHBOARD_SCREENSHOTS")
        if keep:
            Path(keep, name).write_bytes(data)
        return data

    def off_machine(self) -> list[str]:
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:", "about:"))
            and urlsplit(url).hostname not in LOOPBACK
        ]


def _warm_up(emu: Emu, seconds: float, players: int = 12) -> threading.Thread:
    """Players pressing story buttons for ``seconds`` (only for screenshots worth looking at)."""

    def play(user_id: int) -> None:
        deadline = time.monotonic() + seconds
        player = emu.player(user_id, f"Player {user_id}")
        player.send("/start")
        got = player.wait_buttons()
        while time.monotonic() < deadline:
            scene = [m for m in got if m.get("buttons")][-1]
            buttons = [b for row in scene["buttons"] for b in row if b.get("callback_data")]
            if not buttons:
                player.send("/start")
            else:
                choice = buttons[(user_id + int(time.monotonic())) % len(buttons)]
                player.press(scene["message_id"], choice["callback_data"])
            try:
                got = player.wait_buttons(timeout=10)
            except AssertionError:
                player.send("/start")
                got = player.wait_buttons()
            time.sleep(1 + user_id % 3)

    def run() -> None:
        threads = [threading.Thread(target=play, args=(7000 + i,)) for i in range(players)]
        for t in threads:
            t.start()
            time.sleep(seconds / players / 2)
        for t in threads:
            t.join()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _started(emu: Emu) -> tuple[Player, dict[str, Any]]:
    player = emu.player(USER_ID, "Ana")
    player.send("/start")
    got = player.wait_buttons()
    scene = [m for m in got if m.get("buttons")][-1]
    return player, scene


async def test_admin_watches_a_player_play_and_credits_besitos_viewer_cannot_act(
    emu: Emu,
    bot: RunningBot,
    page: DevTools,  # noqa: F811 (the fixture imported above)
) -> None:
    browser = Browser(page)
    await browser.start()
    warm_up = None
    if os.environ.get("YABOT_DASHBOARD_SCREENSHOTS"):
        warm_up = _warm_up(emu, float(os.environ.get("YABOT_DASHBOARD_WARM_UP_S", "180")))
    player, scene = _started(emu)
    api = bot.api_url

    await browser.goto(f"{api}/admin")
    await browser.sign_in("admin", PASSWORD)
    assert await browser.text("#who-role") == "admin"
    await browser.wait_for("document.querySelectorAll('#tiles .tile').length > 5")
    await browser.wait_for("document.querySelectorAll('#archetype-table tr').length >= 6")
    assert "Resident players" in await browser.text("#tiles")
    await browser.wait_for("!!document.querySelector('#readiness [data-dependency=\"sqlite\"]')")
    assert await browser.text("#readiness [data-dependency='sqlite']") == "sqlite ok"

    # The player page, live while the player presses a button in the emulator.
    await browser.evaluate(f"location.hash = '#/player/{USER_ID}'")
    await browser.wait_for(
        "document.getElementById('story-turn')?.textContent !== undefined"
        " && document.getElementById('story-turn').textContent !== ''"
    )
    turn_before = await browser.text("#story-turn")
    transitions_before = await browser.text("#actor-transitions")
    choice = scene["buttons"][0][0]
    player.press(scene["message_id"], choice["callback_data"])
    player.wait_buttons()
    turn_after = await browser.wait_for(
        f"(t => t !== {json.dumps(turn_before)} && t)"
        "(document.getElementById('story-turn').textContent)"
    )
    assert int(turn_after) > int(turn_before)
    assert await browser.text("#actor-transitions") != transitions_before

    # Credit besitos with an idempotency key, through the confirmation dialog.
    balance_before = int(await browser.text("#balance"))
    key = "dashboard-test-credit-1"
    await browser.evaluate(
        f"""(() => {{
            document.getElementById('besitos-amount').value = '25';
            document.getElementById('besitos-reason').value = 'dashboard test credit';
            document.getElementById('besitos-key').value = {json.dumps(key)};
            document.getElementById('besitos-form').requestSubmit();
        }})()"""
    )
    await browser.wait_for("!document.getElementById('modal').hidden")
    assert key in await browser.text("#modal-text")
    await browser.evaluate("document.getElementById('modal-confirm').click()")
    # The ledger keeps the actor's key of an admin movement: admin:{user}:{Idempotency-Key}:...
    row = await browser.wait_for(
        f"document.querySelector('#ledger tr[data-key*={json.dumps(f':{key}:')}]')?.textContent"
    )
    assert "+25" in row and "dashboard test credit" in row
    await browser.wait_for(
        f"document.getElementById('balance').textContent === '{balance_before + 25}'"
    )
    # Grant VIP and passivate, each through the confirmation dialog.
    await browser.evaluate("document.getElementById('vip-form').requestSubmit()")
    await browser.wait_for("!document.getElementById('modal').hidden")
    await browser.evaluate("document.getElementById('modal-confirm').click()")
    await browser.wait_for("document.getElementById('sub-tier')?.textContent === 'vip'")
    assert await browser.text("#sub-status") == "active"
    await browser.evaluate("document.getElementById('act-passivate').click()")
    await browser.wait_for("!document.getElementById('modal').hidden")
    await browser.evaluate("document.getElementById('modal-cancel').click()")
    assert await browser.evaluate("document.getElementById('modal').hidden")
    await browser.evaluate("document.getElementById('act-passivate').click()")
    await browser.wait_for("!document.getElementById('modal').hidden")
    await browser.evaluate("document.getElementById('modal-confirm').click()")
    await browser.wait_for(
        "document.getElementById('player-status').textContent.includes('Passivation requested')"
    )

    # The events the player's turns and the credit wrote, newest first.
    await browser.wait_for(
        "!!document.querySelector('#events-table tr[data-type=\"besitos.credited\"]')"
    )
    assert await browser.evaluate(
        "!!document.querySelector('#events-table tr[data-type=\"choice.made\"]')"
    )
    await browser.screenshot("dashboard-player.png")

    # The audit log names the credit with its key.
    await browser.evaluate("location.hash = '#/audit'")
    audit = await browser.wait_for(
        "[...document.querySelectorAll('#audit-table tr[data-action=\"besitos.adjust\"]')]"
        ".map(r => r.textContent).join('\\n')"
    )
    assert key in audit and f"user:{USER_ID}" in audit and "admin" in audit
    actions = await browser.evaluate(
        "[...document.querySelectorAll('#audit-table tbody tr')].map(r => r.dataset.action)"
    )
    assert actions.count("actor.passivate") == 1, "the cancelled passivation was not sent"
    assert "subscription.grant" in actions

    # A broadcast from the page, confirmed, with its progress until it is done.
    await browser.evaluate("location.hash = '#/broadcasts'")
    await browser.wait_for("!!document.getElementById('broadcast-form')")
    await browser.evaluate(
        """(() => {
            document.getElementById('broadcast-text').value = 'News from the dashboard';
            document.getElementById('broadcast-form').requestSubmit();
        })()"""
    )
    await browser.wait_for("!document.getElementById('modal').hidden")
    await browser.evaluate("document.getElementById('modal-confirm').click()")
    done = await browser.wait_for(
        "[...document.querySelectorAll('#broadcast-table tbody tr')]"
        ".map(r => r.textContent).find(t => t.includes('News from the dashboard')"
        " && t.includes('done'))"
    )
    assert "admin" in done
    player.wait_for(lambda ms: any("News from the dashboard" in m["text"] for m in ms))

    # The overview once the sampler has seen the play (a sample every 5 s).
    await browser.evaluate("location.hash = '#/overview'")
    await browser.wait_for("document.querySelectorAll('#tiles .tile').length > 5")
    await asyncio.sleep(6)
    if warm_up is not None:
        await asyncio.to_thread(warm_up.join)
    await browser.evaluate("location.hash = '#/players'; location.hash = '#/overview'")
    await browser.wait_for("document.querySelectorAll('#archetype-table tr').length >= 6")
    await browser.screenshot("dashboard-overview.png")

    # A viewer sees the player but is offered no action, and no audit log.
    await browser.evaluate("[...document.querySelectorAll('#who button')].at(-1).click()")
    await browser.sign_in("vera", VIEWER_PASSWORD)
    assert await browser.text("#who-role") == "viewer"
    await browser.evaluate(f"location.hash = '#/player/{USER_ID}'")
    await browser.wait_for("document.getElementById('balance')?.textContent")
    assert await browser.evaluate("!!document.getElementById('no-actions')")
    assert await browser.evaluate("document.getElementById('actions') === null")
    assert await browser.evaluate(
        "document.querySelectorAll('#page button, #page form').length === 0"
    )
    await browser.evaluate("location.hash = '#/audit'")
    await browser.wait_for("!!document.getElementById('audit-denied')")

    assert browser.requests, "the network log was recorded"
    assert browser.off_machine() == []
