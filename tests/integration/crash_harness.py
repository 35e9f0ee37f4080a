"""What the crash tests share (single instance and cluster): the updates they post and the
wait for the emulator to hold a reply per accepted update."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from tests.integration.harness import ROOT, SECRET, TOKEN, Emu


def command_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A private message with a bot command (``/c<n>``, ``/daily``) as Telegram sends it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "P"},
            "from": {"id": user_id, "is_bot": False, "first_name": "P", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def wait_for_replies(
    emu: Emu, accepted: dict[int, list[int]], timeout: float = 60.0
) -> dict[int, list[int]]:
    """Wait until every chat holds at least one bot message per accepted update; returns
    the chats still short of that when ``timeout`` ran out (empty: all answered)."""
    deadline = time.monotonic() + timeout
    waiting = dict(accepted)
    while waiting and time.monotonic() < deadline:
        for user_id, ids in list(waiting.items()):
            got = emu.http.get(f"{emu.url}/_emulator/chats/{user_id}/messages").json()
            if len(got["messages"]) >= len(ids):
                del waiting[user_id]
        time.sleep(0.2)
    return waiting


def child_env(
    emulator_url: str, api_port: int, data_dir: Path, key: str, **extra: str
) -> dict[str, str]:
    """The environment of a ``yabot run`` child process serving the webhook with its admin API
    on ``api_port`` against the emulator; ``extra`` adds or overrides ``YABOT_*`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YABOT_")}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "YABOT_TELEGRAM__API_BASE": emulator_url,
            "YABOT_TELEGRAM__MODE": "webhook",
            "YABOT_TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{api_port}/telegram/webhook",
            "YABOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
            "YABOT_TELEGRAM__CHAT_RATE_PER_S": "1000",
            "YABOT_TELEGRAM__CHAT_BURST": "100",
            "YABOT_TELEGRAM__GLOBAL_RATE_PER_S": "100000",
            "YABOT_STORAGE__DATA_DIR": str(data_dir),
            "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
            "YABOT_API__PORT": str(api_port),
            "YABOT_LOGGING__LEVEL": "WARNING",
            "YABOT_SECURITY__ENCRYPTION_KEYS": key,
            **extra,
        }
    )
    return env
