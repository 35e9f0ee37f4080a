"""The update-id rule: the inbox remembers ids; no watermark skips an update it accepted.

Telegram picks the next ``update_id`` at random after a week without updates, so it may be
lower than any before; a restarted local emulator counts from 1 again. Either way the update
is new, and the player is answered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.harness import (
    ROOT,
    SECRET,
    TOKEN,
    Emu,
    RunningBot,
    bot_settings,
    free_port,
)


def _update(update_id: int, user_id: int, message_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def _bot_messages(emu: Emu, user_id: int) -> list[dict]:
    r = emu.http.get(f"{emu.url}/_emulator/chats/{user_id}/messages")
    r.raise_for_status()
    return list(r.json()["messages"])


def _wait_for_count(emu: Emu, user_id: int, count: int, timeout: float = 15.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        got = _bot_messages(emu, user_id)
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_an_update_with_a_lower_id_than_any_before_is_answered(emu: Emu, tmp_path: Path) -> None:
    bot = RunningBot(bot_settings(tmp_path / "data", emu.url, "webhook")).start()
    user = 4_401
    emu.player(user, "Ana", "en")
    emu.emulator.register_bot(TOKEN).started.add(user)  # the user opened the chat before
    webhook = f"{bot.api_url}/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        answered = 0
        for n, update_id in enumerate((899_999_990, 899_999_991, 899_999_992)):
            r = httpx.post(webhook, json=_update(update_id, user, n + 1, "/help"), headers=headers)
            assert r.status_code == 200
            answered = len(_wait_for_count(emu, user, answered + 1))
        assert answered >= 3
        # A quiet week later, Telegram's ids start again at random: here 1000.
        lower = _update(1_000, user, 4, "/help")
        r = httpx.post(webhook, json=lower, headers=headers)
        assert r.status_code == 200
        got = _wait_for_count(emu, user, answered + 1)
        assert len(got) == answered + 1, "the update with the lower id was answered"
        # Its retry (Telegram did not see the 200) is the same body, recognised, changing
        # nothing. (Built anew, its date could tick over a second: another update that
        # reuses the id, which the inbox rightly takes as new.)
        httpx.post(webhook, json=lower, headers=headers)
        time.sleep(1.0)
        assert len(_bot_messages(emu, user)) == answered + 1
        runtime = bot.runtime()
        state = runtime.directory.ask(user, _inspect()).get(timeout=10)
        assert state["transitions"] == 4
        assert state["last_update_id"] == 1_000
    finally:
        bot.stop()


def _inspect() -> object:
    from yabot.player.actor import Inspect

    return Inspect()


def _start_local(tmp_path: Path, api_port: int, emulator_port: int) -> subprocess.Popen[str]:
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
            "YABOT_LOGGING__LEVEL": "WARNING",
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "yabot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 40
    while True:
        assert proc.poll() is None, "yabot run exited"
        try:
            if httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=0.5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "yabot run did not start"
        time.sleep(0.1)


def _say(emulator: str, user: int, text: str) -> int:
    r = httpx.post(f"{emulator}/_emulator/users/{user}/messages", json={"text": text})
    r.raise_for_status()
    return int(r.json()["update_id"])


def _replies(emulator: str, user: int, count: int, timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{emulator}/_emulator/chats/{user}/messages")
        got = len(r.json()["messages"]) if r.status_code == 200 else 0
        if got >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


@pytest.mark.parametrize("emulator_ids", ["continue", "start_again"])
def test_after_local_play_restarts_the_first_message_is_answered(
    tmp_path: Path, emulator_ids: str
) -> None:
    """What ``scripts/run`` runs: ``yabot run`` with no token (bot and emulator in one
    process). The emulator keeps its update ids across restarts (``continue``); with its
    counter file gone (``start_again``) it counts from 1 again, as Telegram may pick low ids
    after a quiet week: the bot answers either way."""
    api_port, emulator_port = free_port(), free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"
    user = 4_402
    lives_ids = []
    for life in range(2):
        proc = _start_local(tmp_path, api_port, emulator_port)
        try:
            httpx.post(
                f"{emulator}/_emulator/users",
                json={"id": user, "first_name": "Ana", "language_code": "en"},
            ).raise_for_status()
            ids = []
            for n in range(3):
                ids.append(_say(emulator, user, "/help"))
                assert _replies(emulator, user, n + 1) >= n + 1, (
                    f"life {life + 1}: message {n + 1} was not answered"
                )
            lives_ids.append(ids)
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(15) == 0
        if emulator_ids == "start_again":
            for counter in (tmp_path / "var").rglob("update_ids.json"):
                counter.unlink()
    if emulator_ids == "start_again":
        assert lives_ids[1][0] <= lives_ids[0][-1], "the second life reused the first's ids"
    else:
        assert lives_ids[1][0] > lives_ids[0][-1]
