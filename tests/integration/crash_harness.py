"""What the crash tests share (single instance and cluster): the updates they post and the
wait for the emulator to hold a reply per accepted update."""

from __future__ import annotations

import time
from typing import Any

from tests.integration.harness import Emu


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
