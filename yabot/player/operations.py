"""Admin operations on a player: each is a message to the player's actor.

The admin API calls these; only the actor changes the player's state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from actors import Directory
from yabot.player.messages import (
    AdjustBesitos,
    GrantSubscription,
    RefundPayment,
    RevokeSubscription,
)
from yabot.storage.records import RecordsStore


class PlayerOperations:
    """Ask players' actors to do admin work, without blocking the event loop.

    Args:
        directory: The player actors.
        records: The records database (payments are looked up there).
        now: The clock every request is stamped with.
        ask_timeout_s: Default timeout of an ask.
    """

    def __init__(
        self,
        directory: Directory[int],
        records: RecordsStore,
        now: Callable[[], float],
        ask_timeout_s: float,
    ) -> None:
        self._directory = directory
        self._records = records
        self._now = now
        self._ask_timeout_s = ask_timeout_s

    async def ask_player(self, user_id: int, message: Any, timeout: float | None = None) -> Any:
        """Ask a player's actor (activating it) without blocking the loop."""
        wait = timeout or self._ask_timeout_s
        return await self._directory.ask_async(user_id, message, timeout=wait)

    async def refund(self, user_id: int, charge_id: str, who: str) -> dict[str, Any]:
        """Refund a Stars payment (refundStarPayment); on success the subscription ends.

        Returns:
            ``{"status": "refund_requested"}`` (Telegram's answer is recorded when it comes),
            ``"unknown_charge"`` or ``"already_refunded"``.
        """
        payment = await asyncio.to_thread(self._records.payment, charge_id)
        paid = payment is not None and payment.user_id == user_id and payment.status == "paid"
        stars = payment.amount if paid and payment is not None else 0
        message = RefundPayment(charge_id, who, self._now(), stars)
        result: dict[str, Any] = await self.ask_player(user_id, message)
        return result

    async def grant(
        self, user_id: int, tier: str, days: int, who: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Grant or extend ``tier`` by ``days`` (once per ``idempotency_key``)."""
        message = GrantSubscription(tier, days, who, idempotency_key, self._now())
        result: dict[str, Any] = await self.ask_player(user_id, message)
        return result

    async def revoke(self, user_id: int, who: str, idempotency_key: str) -> dict[str, Any]:
        """End the player's paid tier now and remove them from the VIP channel."""
        result: dict[str, Any] = await self.ask_player(
            user_id, RevokeSubscription(who, idempotency_key, self._now())
        )
        return result

    async def adjust_besitos(
        self, user_id: int, amount: int, reason: str, who: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Credit (> 0) or debit (< 0) besitos once per ``idempotency_key``.

        Returns:
            ``{"status": "applied", "balance": n}`` or ``{"status": "insufficient_funds", ...}``.
        """
        message = AdjustBesitos(amount, reason, who, idempotency_key, self._now())
        result: dict[str, Any] = await self.ask_player(user_id, message)
        return result
