"""Payments of invoices YABOT never issued grant nothing, through the emulator's Bot API.

A ``successful_payment`` with an unknown payload, or with our payload but another amount or
currency, is recorded as ``rejected`` in the records (the money is accounted for), counted in
``yabot_payments_rejected_total{reason}``, logged, and the player is told; VIP is not granted.
An admin refunds it without ending the VIP a real payment bought. A pre-checkout query for
such an invoice is refused.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY

from tests.integration.harness import Emu, Player
from tests.integration.test_economy import Clock, ClockedBot, buy_vip, has
from yabot.emulator.models import Invoice

REJECTED = "matches no offer we made"


def _rejected(reason: str) -> float:
    return REGISTRY.get_sample_value("yabot_payments_rejected_total", {"reason": reason}) or 0.0


def _last_invoice(emu: Emu, player: Player) -> Invoice:
    emulator = emu.emulator
    bot = next(iter(emulator.bots.values()))
    message_id = [m for m in player.messages() if m.get("invoice")][-1]["message_id"]
    return emulator.find_invoice(bot, emulator.user(player.user_id), message_id, None)


def _in_emulator(emu: Emu, call: Any) -> dict[str, Any]:
    future = asyncio.run_coroutine_threadsafe(call, emu.server.app.state.loop)
    return dict(future.result(15))


def _deliver(emu: Emu, player: Player, invoice: Invoice) -> str:
    """Telegram delivers a ``successful_payment`` of ``invoice`` (no pre-checkout asked)."""
    emulator = emu.emulator
    bot = next(iter(emulator.bots.values()))
    user = emulator.user(player.user_id)
    paid = _in_emulator(emu, emulator.complete_payment(bot, user, invoice, recurring=False))
    return str(paid["telegram_payment_charge_id"])


def _checkout(emu: Emu, player: Player, invoice: Invoice) -> dict[str, Any]:
    emulator = emu.emulator
    bot = next(iter(emulator.bots.values()))
    return _in_emulator(emu, emulator.pay(bot, emulator.user(player.user_id), invoice))


def _wait_status(bot: ClockedBot, charge: str, status: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        payment = bot.runtime().records.payment(charge)
        if payment is not None and payment.status == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"payment {charge} is {bot.runtime().records.payment(charge)}")


def test_a_forged_payment_grants_nothing_is_recorded_rejected_and_refundable(
    emu: Emu, tmp_path: Path
) -> None:
    bot = ClockedBot(tmp_path / "data", emu, Clock()).start()
    try:
        player = emu.player(611, "Ana", "en")
        player.say("/vip")
        player.wait_for(lambda ms: any(m.get("invoice") for m in player.messages()))
        issued = _last_invoice(emu, player)

        unknown = dataclasses.replace(issued, payload="sub:vip:611:1")  # never issued
        cheap = dataclasses.replace(issued, total_amount=1)  # our payload, not our price
        assert _checkout(emu, player, unknown)["status"] == "declined"
        assert _checkout(emu, player, cheap)["status"] == "declined"

        before = (_rejected("unknown_payload"), _rejected("amount"))
        forged = _deliver(emu, player, unknown)
        player.wait_for(has(REJECTED))
        _wait_status(bot, forged, "rejected")
        underpaid = _deliver(emu, player, cheap)
        player.wait_for(has(REJECTED))
        _wait_status(bot, underpaid, "rejected")
        assert (_rejected("unknown_payload"), _rejected("amount")) == (
            before[0] + 1,
            before[1] + 1,
        )
        view = bot.inspect(611)
        assert view["membership"]["tier"] != "vip", "a forged payment grants nothing"
        assert [c[:3] for c in view["membership"]["charges"]] == [
            [forged, 250, ""],
            [underpaid, 1, ""],
        ]
        assert bot.runtime().records.subscription(611) is None
        audit = bot.runtime().records.audit(10)
        assert {a.action for a in audit} >= {"payment.rejected"}

        buy_vip(emu, player)  # the real invoice still works
        player.wait_for(has("You are VIP until"))

        runtime = bot.runtime()
        refund = asyncio.run_coroutine_threadsafe(
            runtime.admin.refund(611, forged, "api:alice"), bot._loop
        )
        assert refund.result(10) == {"status": "refund_requested"}
        _wait_status(bot, forged, "refunded")
        assert bot.inspect(611)["membership"]["tier"] == "vip", "the real VIP stays"
    finally:
        bot.stop()
