"""Admin bot commands (/grant, /revoke, /refund, /credit, /debit): checked against the admin
role in the admin's own actor, then sent as messages to the target player's actor."""

from __future__ import annotations

from typing import Any

from yabot.i18n import t as tx
from yabot.observability.logging import get_logger
from yabot.player.messages import (
    AdjustBesitos,
    GrantSubscription,
    RefundPayment,
    RevokeSubscription,
)
from yabot.player.outcome import Txn
from yabot.player.subscriptions.roles import allowed, role_of
from yabot.player.subscriptions.tiers import VIP

log = get_logger(__name__)

USAGE = {
    "grant": "/grant <user_id> [days] [tier]",
    "revoke": "/revoke <user_id>",
    "refund": "/refund <user_id> <telegram_payment_charge_id>",
    "credit": "/credit <user_id> <amount> [reason]",
    "debit": "/debit <user_id> <amount> [reason]",
}
COMMANDS = frozenset(USAGE)


def admin_command(
    txn: Txn, command: str, args: str, admin_ids: frozenset[int], default_days: int
) -> None:
    """Run an admin command typed by the player of ``txn``; refuse non-admins clearly."""
    if not allowed(role_of(txn.state, txn.now, admin_ids), "admin"):
        log.warning("admin.command_denied", command=command)
        txn.say(tx("admin_only", txn.lang, command=command))
        return
    message = _parse(txn, command, args.split(), default_days)
    if message is None:
        txn.say(tx("admin_usage", txn.lang, usage=USAGE[command]))
        return
    target, body = message
    txn.tell(target, body)
    log.info("admin.command_sent", command=command, target=target)
    txn.say(tx("admin_sent", txn.lang, command=command, user_id=target))


def _parse(txn: Txn, command: str, words: list[str], default_days: int) -> tuple[int, Any] | None:
    who = f"tg:{txn.state.user_id}"
    key = txn.key_base
    try:
        target = int(words[0])
        if command == "grant":
            days = int(words[1]) if len(words) > 1 else default_days
            tier = words[2] if len(words) > 2 else VIP
            return target, GrantSubscription(tier, days, who, key, txn.now)
        if command == "revoke":
            return target, RevokeSubscription(who, key, txn.now)
        if command == "refund":
            return target, RefundPayment(words[1], who, txn.now)
        amount = int(words[1])
        if amount <= 0:
            return None
        reason = " ".join(words[2:])[:100] or f"admin {command}"
        return target, AdjustBesitos(
            amount if command == "credit" else -amount, reason, who, key, txn.now
        )
    except (IndexError, ValueError):
        return None
