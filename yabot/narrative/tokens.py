"""Turn tokens and the compact callback_data of choice buttons.

A token names one moment of one player's story. It is derived deterministically from the
previous token, the turn number and the action taken, so replaying the same updates after a
crash yields the same tokens (and the buttons already sent keep working).
"""

from __future__ import annotations

import base64
import hashlib
import re

TOKEN_LENGTH = 8
CALLBACK_PREFIX = "c"
MAX_CALLBACK_BYTES = 64
_CALLBACK = re.compile(r"^c:([A-Za-z0-9_-]{1,16}):(\d{1,3})$")


def first_token(story_id: str, seed: str) -> str:
    """Return the token of a story's first moment.

    Args:
        story_id: The story.
        seed: Something unique to this start (e.g. the update id), so a restarted story does
            not revive the buttons of an earlier play-through.
    """
    return _digest(f"begin|{story_id}|{seed}")


def next_token(previous: str, turn_number: int, action: str) -> str:
    """Return the token of the moment after ``previous``.

    Args:
        previous: The token of the moment the action was taken in.
        turn_number: The number of the new moment.
        action: What happened (e.g. ``"c3"`` for choice 3, ``"answer"``, ``"resume"``).
    """
    return _digest(f"{previous}|{turn_number}|{action}")


def _digest(text: str) -> str:
    raw = hashlib.sha256(text.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii")[:TOKEN_LENGTH]


def encode_choice(token: str, index: int) -> str:
    """Return the callback_data of the button for choice ``index`` of the moment ``token``.

    Raises:
        ValueError: The data would not fit Telegram's 64 bytes or the index is negative.
    """
    if index < 0 or index > 999:
        raise ValueError(f"choice index out of range: {index}")
    data = f"{CALLBACK_PREFIX}:{token}:{index}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError("callback_data longer than 64 bytes")
    return data


def decode_choice(data: str) -> tuple[str, int] | None:
    """Parse callback_data made by :func:`encode_choice`.

    Returns:
        ``(token, index)``, or None when ``data`` is not a choice button's data.
    """
    match = _CALLBACK.match(data)
    if match is None:
        return None
    return match.group(1), int(match.group(2))
