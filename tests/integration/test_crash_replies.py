"""After a SIGKILL, only the replies whose Bot API call was in flight are sent again.

``yabot run`` (webhook mode, a real process) serves 50 players; every ``sendMessage`` takes
50 ms in the emulator before Telegram's answer (its confirmation) goes back. The process is
killed with SIGKILL under that load and started again. Every reply that reached a chat twice
must have had its first call in flight at the kill: that call reached the chat less than the
confirmation's way back plus the durable mark's commit before the kill (``MARK_MARGIN_S``),
i.e. it started less than the confirm latency (plus that margin) before the kill. A reply
Telegram confirmed earlier is never sent again.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from tests.integration.crash_harness import child_env, command_update
from tests.integration.harness import SECRET, TOKEN, Emu, bot_settings
from tests.integration.test_crash_recovery import _start, _wait_for_metric

PLAYERS = 50
LATENCY_S = 0.050
# The confirmation's way back to the bot and the group commit of its sent mark: measured
# yabot_replies_mark_seconds p99 is a few ms on an idle machine; the test host runs other
# work too.
MARK_MARGIN_S = 0.030


class Players:
    """Each player sends /c<n> commands one at a time (each answered with its own text)."""

    def __init__(self, users: list[int]) -> None:
        self.users = users
        self.next_n = dict.fromkeys(users, 0)
        self.next_id = 300_000_000
        self.pending: dict[int, dict | None] = dict.fromkeys(users)
        self.accepted: dict[int, int] = dict.fromkeys(users, 0)

    async def play(self, url: str, stop_at: float) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=PLAYERS)) as http:
            await asyncio.gather(*(self._one(http, url, u, headers, stop_at) for u in self.users))

    async def _one(
        self, http: aiohttp.ClientSession, url: str, user: int, headers: dict, stop_at: float
    ) -> None:
        while time.monotonic() < stop_at:
            update = self.pending[user]
            if update is None:
                self.next_n[user] += 1
                self.next_id += 1
                update = command_update(self.next_id, user, f"/c{self.next_n[user]}")
                self.pending[user] = update
            try:
                async with http.post(
                    url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=5)
                ) as r:
                    ok = r.status == 200
            except (TimeoutError, aiohttp.ClientError):
                return  # the process died: Telegram retries the same update later
            if not ok:
                return
            self.accepted[user] += 1
            self.pending[user] = None
            await asyncio.sleep(0.02)


@pytest.mark.slow
def test_sigkill_resends_only_replies_in_flight(emu: Emu, tmp_path: Path) -> None:
    key = "x2VnH0rC2O3u8xRk5i8gqJ2s0yRkq3b8T2v3M6G8f9E="
    settings = bot_settings(tmp_path / "data", emu.url, "webhook")
    api_port = settings.api.port
    env = child_env(emu.url, api_port, tmp_path / "data", key)
    users = [810_000 + i for i in range(PLAYERS)]
    bot_state = emu.emulator.register_bot(TOKEN)
    for user_id in users:
        emu.player(user_id, "P", "en")
        bot_state.started.add(user_id)
    emu.faults(latency_ms=LATENCY_S * 1000, methods=["sendMessage"])
    players = Players(users)
    webhook = f"http://127.0.0.1:{api_port}/telegram/webhook"
    proc = _start(env, api_port)
    try:
        asyncio.run(players.play(webhook, time.monotonic() + 2.0))
        killed_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc = _start(env, api_port)
        _wait_for_replies(emu, players)
        _wait_for_metric(api_port, "yabot_replies_pending", 0.0)
        resent = _metric(api_port, "yabot_replies_resent_total")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()

    twice: list[float] = []  # for each reply sent twice: kill time minus its first delivery
    total = 0
    for user in users:
        texts = _texts(emu, user)
        total += len(texts)
        calls = [
            c
            for c in emu.emulator.faults.calls
            if c.method == "sendMessage" and c.chat_id == user and c.status == 200
        ]
        assert len(calls) == len(texts), user
        counts = Counter(texts)
        assert all(n <= 2 for n in counts.values()), counts
        for text, n in counts.items():
            if n == 2:
                first = texts.index(text)
                twice.append(killed_at - calls[first].at)
    accepted = sum(players.accepted.values())
    print(
        f"accepted {accepted} updates, {total} replies delivered, {len(twice)} sent twice, "
        f"resent at start-up {resent:g}; first copies reached the chat at most "
        f"{max(twice, default=0.0) * 1000:.1f} ms before the kill"
    )
    assert accepted > PLAYERS * 5, "the players got to play before the kill"
    assert all(lag < MARK_MARGIN_S for lag in twice), (
        "a reply confirmed before the kill was sent again",
        sorted(twice)[-5:],
    )
    assert len(twice) <= resent


def _texts(emu: Emu, user: int) -> list[str]:
    r = emu.http.get(f"{emu.url}/_emulator/chats/{user}/messages")
    r.raise_for_status()
    return [m.get("text", "") for m in r.json()["messages"]]


def _wait_for_replies(emu: Emu, players: Players, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    waiting = {u: n for u, n in players.accepted.items()}
    while waiting and time.monotonic() < deadline:
        for user, n in list(waiting.items()):
            if len(set(_texts(emu, user))) >= n:
                del waiting[user]
        time.sleep(0.2)
    assert not waiting, f"{len(waiting)} players still wait for replies"


def _metric(api_port: int, name: str) -> float:
    import httpx

    text = httpx.get(f"http://127.0.0.1:{api_port}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0
