"""A player's actor world without threads: real logic, real records DB, replies collected.

Updates go through ``apply_update`` and system messages through ``apply_system``, exactly the
functions the actor runs, so these tests exercise the player's transitions end to end minus
Telegram.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from yabot.config import Settings, load_settings
from yabot.narrative import NarrativeEngine
from yabot.player.actor import PlayerEffects, apply_system, apply_update
from yabot.player.feelings import EmotionFeelings
from yabot.player.logic import PlayerLogic, Reply
from yabot.player.messages import SystemMessage
from yabot.player.state import PlayerState
from yabot.reply_pipeline import store_reply
from yabot.storage.records import RecordsDb
from yabot.storage.replies import ReplyOutbox
from yabot.telegram.types import parse_update

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_795_000_000.0  # Wednesday 2026-11-18 11:06 UTC


def world_settings(data_dir: Path, **env: str) -> Settings:
    """Repository config with a temp data dir (and any extra ``YABOT_*`` values)."""
    base = {
        "YABOT_STORAGE__DATA_DIR": str(data_dir),
        "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
    }
    return load_settings(ROOT / "config.toml", base | env)


class World:
    """Players' states, their transitions and everything they sent."""

    def __init__(self, settings: Settings) -> None:
        settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.records = RecordsDb.open(settings)
        self.replies = ReplyOutbox(self.records)
        engine = NarrativeEngine.from_settings(settings.story)
        self.logic = PlayerLogic(settings, engine, EmotionFeelings())
        self.sent: dict[int, list[Reply]] = defaultdict(list)
        self.told: list[tuple[int, Any]] = []
        self.effects = PlayerEffects(
            self.logic,
            self.records,
            self._send,
            lambda state, transitions, epoch: None,
            1,
            tell=self._tell,
            submit=self._submit,
        )
        self.states: dict[int, PlayerState] = {}
        self._update_id = 1000

    def close(self) -> None:
        self.records.close()

    def _send(
        self,
        reply: Reply,
        dedupe: str,
        update_id: int | None,
        user_id: int | None = None,
        seq: int | None = None,
        epoch: int | None = None,
    ) -> None:
        stored = store_reply(self.replies, reply, dedupe, update_id, user_id, seq, epoch)
        if stored is not None:
            self._submit(reply, dedupe, update_id, stored)

    def _submit(
        self,
        reply: Reply,
        dedupe: str,
        update_id: int | None,
        stored: int,
        received_at: float | None = None,
        epoch: int | None = None,
    ) -> None:
        owner = reply.result_to[0] if reply.result_to else reply.chat_id
        self.sent[owner if owner is not None else 0].append(reply)

    def _tell(self, user_id: int, message: Any) -> None:
        self.told.append((user_id, message))

    def state(self, user_id: int) -> PlayerState:
        return self.states.setdefault(user_id, PlayerState(user_id=user_id))

    def texts(self, user_id: int) -> list[str]:
        """Every message text sent to the player's chat so far."""
        return [r.params["text"] for r in self.sent[user_id] if r.method == "sendMessage"]

    def calls(self, method: str) -> list[Reply]:
        return [r for replies in self.sent.values() for r in replies if r.method == method]

    # ---- updates -------------------------------------------------------------------------
    def deliver(self, user_id: int, body: dict[str, Any], at: float) -> int:
        self._update_id += 1
        raw = json.dumps({"update_id": self._update_id, **body}).encode()
        update = parse_update(raw, at)
        self.states[user_id] = apply_update(
            self.effects, self.state(user_id), update, seq=self._update_id
        ).state
        return self._update_id

    def _user(self, user_id: int, lang: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": lang}

    def message(self, user_id: int, text: str, at: float = T0, **extra: Any) -> int:
        body = {
            "message_id": self._update_id,
            "date": int(at),
            "chat": {"id": user_id, "type": "private"},
            "from": self._user(user_id),
            "text": text,
            **extra,
        }
        if "successful_payment" in extra:
            body.pop("text")
        return self.deliver(user_id, {"message": body}, at)

    def press(self, user_id: int, data: str, at: float = T0) -> int:
        query = {
            "id": f"q{self._update_id}",
            "from": self._user(user_id),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(at),
                "chat": {"id": user_id, "type": "private"},
            },
        }
        return self.deliver(user_id, {"callback_query": query}, at)

    def pre_checkout(
        self, user_id: int, payload: str, amount: int, at: float = T0, currency: str = "XTR"
    ) -> int:
        query = {
            "id": f"pc{self._update_id}",
            "from": self._user(user_id),
            "currency": currency,
            "total_amount": amount,
            "invoice_payload": payload,
        }
        return self.deliver(user_id, {"pre_checkout_query": query}, at)

    def pay(self, user_id: int, payload: str, amount: int, charge_id: str, at: float = T0) -> int:
        paid = {
            "currency": "XTR",
            "total_amount": amount,
            "invoice_payload": payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "",
        }
        return self.message(user_id, "", at, successful_payment=paid)

    def system(self, user_id: int, message: SystemMessage) -> Any:
        state, result = apply_system(self.effects, self.state(user_id), message)
        self.states[user_id] = state
        return result
