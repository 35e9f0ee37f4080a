"""Transitions for the actor's non-update messages (scheduler, call results, admin requests).

Like :meth:`PlayerLogic.handle`, ``handle`` is pure: the clock is the message's ``at`` and every
idempotency key derives from the message (``expire:<user>:<ends_at>``, the admin's key ...).
"""

from __future__ import annotations

import copy
import hashlib

from prometheus_client import Counter

from yabot.economy.rules import EconomyRules
from yabot.i18n import t as tx
from yabot.observability.logging import get_logger
from yabot.player.messages import (
    AdjustBesitos,
    CallResult,
    Expire,
    GrantSubscription,
    RefundPayment,
    Remind,
    RevokeSubscription,
    Rollover,
    SystemMessage,
)
from yabot.player.outcome import Outcome, Txn
from yabot.player.state import PlayerState
from yabot.player.subscriptions.vip import Vip
from yabot.storage.records import AuditEntry

log = get_logger(__name__)
ADJUST_REFUSED = Counter(
    "yabot_besitos_debit_refused_total", "Admin debits refused: balance too small"
)


def _key_base(state: PlayerState, message: SystemMessage) -> str:
    user_id = state.user_id
    if isinstance(message, Expire):
        return f"expire:{user_id}:{int(message.ends_at)}"
    if isinstance(message, Remind):
        return f"remind:{user_id}:{int(message.ends_at)}:{message.days}"
    if isinstance(message, Rollover):
        return f"rollover:{user_id}:{int(message.at)}"
    if isinstance(message, CallResult):
        digest = hashlib.sha256(repr((message.result, message.error)).encode()).hexdigest()[:16]
        return f"call:{message.tag}:{digest}"[:150]
    if isinstance(message, RefundPayment):
        # A request after Telegram refused the last one is a new attempt, not a replay.
        attempt = Vip.refund_failures(state, message.charge_id)
        return f"refund-request:{message.charge_id}:{attempt}"[:150]
    return f"admin:{user_id}:{message.key}"[:150]


class SystemLogic:
    """Deterministic transitions for :data:`SystemMessage`."""

    def __init__(self, rules: EconomyRules, vip: Vip) -> None:
        self.rules = rules
        self.vip = vip

    def handle(self, state: PlayerState, message: SystemMessage) -> Outcome:
        """Apply ``message`` to a copy of ``state``."""
        key = _key_base(state, message)
        txn = Txn(copy.deepcopy(state), message.at, state.user_id, key, key)
        vip = self.vip
        if isinstance(message, Expire):
            vip.expire(txn, message.ends_at)
        elif isinstance(message, Remind):
            vip.remind(txn, message.days, message.ends_at)
        elif isinstance(message, Rollover):
            self.rules.rollover(txn)
        elif isinstance(message, CallResult):
            self._call_result(txn, message)
        elif isinstance(message, RefundPayment):
            vip.request_refund(txn, message.charge_id, message.who, message.recorded_stars)
        elif isinstance(message, GrantSubscription):
            vip.grant(txn, message.tier, message.days, message.who, txn.key_base)
        elif isinstance(message, RevokeSubscription):
            vip.revoke(txn, message.who, txn.key_base)
        elif isinstance(message, AdjustBesitos):
            self._adjust(txn, message)
        self.rules.settle(txn)
        txn.outcome.batch.at = message.at
        return txn.outcome

    def _call_result(self, txn: Txn, message: CallResult) -> None:
        kind, _, rest = message.tag.partition(":")
        if kind == "invite":
            self.vip.invite_created(txn, message.result, message.error)
        elif kind == "subscription_link":
            self.vip.subscription_link_created(txn, message.result, message.error)
        elif kind == "refund":
            charge, _, who = rest.partition(":")
            charge_id, _, attempt = charge.partition("@")  # no "@": asked before attempts
            tries = int(attempt) if attempt.isdigit() else 0
            self.vip.refund_answered(txn, charge_id, who, message.error, tries)

    def _adjust(self, txn: Txn, message: AdjustBesitos) -> None:
        eco = txn.state.economy
        reason = message.reason or "admin adjustment"
        key = f"{txn.key_base}:besitos"
        if message.amount > 0:
            txn.credit(message.amount, reason, key)
        elif not txn.debit(-message.amount, reason, key):
            txn.outcome.result = {"status": "insufficient_funds", "balance": eco.balance}
            ADJUST_REFUSED.inc()
            log.warning("besitos.debit_refused", amount=message.amount, balance=eco.balance)
            return
        txn.outcome.batch.audit.append(
            AuditEntry(
                message.who,
                "besitos.adjust",
                str(txn.state.user_id),
                {"amount": message.amount, "reason": reason},
                f"adjust:{txn.key_base}"[:200],
            )
        )
        txn.once(txn.key_base)
        txn.say(
            tx(
                "admin_credited",
                txn.lang,
                amount=message.amount,
                reason=reason,
                balance=eco.balance,
            )
        )
        txn.outcome.result = {"status": "applied", "balance": eco.balance}
