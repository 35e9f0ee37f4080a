"""VIP membership: offers paid in Telegram Stars, activation, the private channel, expiry,
reminders, refunds and admin grants — each a step of a player's transition (a :class:`Txn`).

The records DB is authoritative (``subscriptions`` row, ``payments`` keyed by
``telegram_payment_charge_id``, ``job_runs`` for scheduled work); the player's
``membership`` mirrors it so the story and the commands can decide without I/O.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from prometheus_client import Counter

from yabot.config import Settings
from yabot.events.models import (
    PaymentReceived,
    PaymentRefunded,
    SubscriptionActivated,
    SubscriptionExpired,
)
from yabot.i18n import t as tx
from yabot.observability.logging import get_logger
from yabot.player.outcome import Txn
from yabot.player.subscriptions.roles import allowed, role_of
from yabot.player.subscriptions.tiers import (
    DAY_S,
    FREE,
    STARS,
    SUBSCRIPTION_PERIOD_S,
    Tier,
    Tiers,
)
from yabot.storage.records import (
    AuditEntry,
    PaymentRecord,
    PaymentRefund,
    SubscriptionChange,
)
from yabot.telegram.types import IncomingUpdate

if TYPE_CHECKING:
    from yabot.player.state import PlayerState

log = get_logger(__name__)

CHECKOUTS = Counter("yabot_precheckout_total", "Pre-checkout queries answered", ["outcome"])
PAYMENTS = Counter("yabot_payments_total", "successful_payment messages by outcome", ["outcome"])
REJECTED_PAYMENTS = Counter(
    "yabot_payments_rejected_total",
    "Payments of no invoice YABOT issued: granted nothing, recorded as rejected",
    ["reason"],
)
SUBSCRIPTION_CHANGES = Counter(
    "yabot_subscription_changes_total", "Subscription changes", ["status"]
)
VIP_CALLBACK = "m:vip"


def _record_charge(txn: Txn, update: IncomingUpdate, charge: str, tier: str, status: str) -> None:
    """Mirror the charge in the membership and record the payment (``paid`` or ``rejected``)."""
    amount = update.total_amount or 0
    txn.state.membership.charges.append([charge, amount, tier, False])
    txn.outcome.batch.payments.append(
        PaymentRecord(
            charge,
            txn.state.user_id,
            amount,
            update.currency or "",
            update.invoice_payload or "",
            status,
        )
    )


class Vip:
    """Paid tiers and the VIP channel, from settings."""

    def __init__(self, settings: Settings) -> None:
        sub = settings.subscriptions
        self.tiers = Tiers(sub)
        self.channel_id = sub.vip_channel_id
        self.vip_chapters = frozenset(sub.vip_chapters)
        self.admin_ids = frozenset(sub.admin_user_ids)
        self.reminder_days = sorted(set(sub.reminder_days_before), reverse=True)
        self.zone = ZoneInfo(settings.economy.timezone)

    # ---- reading ---------------------------------------------------------------------
    def until(self, at: float) -> str:
        """A date the player reads (the economy's time zone)."""
        return datetime.fromtimestamp(at, self.zone).strftime("%Y-%m-%d %H:%M")

    def may_continue(self, txn: Txn) -> bool:
        """Whether the player may go on where the story stands (VIP chapters need VIP)."""
        if txn.state.story.chapter not in self.vip_chapters:
            return True
        return allowed(role_of(txn.state, txn.now, self.admin_ids), "vip")

    def locked(self, txn: Txn) -> None:
        """Tell the player the VIP chapter is locked, with the VIP button."""
        log.info("vip.chapter_locked", chapter=txn.state.story.chapter)
        button = {"text": tx("vip_button", txn.lang), "callback_data": VIP_CALLBACK}
        txn.say(tx("vip_locked", txn.lang), {"inline_keyboard": [[button]]})

    # ---- offering and paying -----------------------------------------------------------
    def offer(self, txn: Txn) -> None:
        """``/vip``: the state of the membership and one Stars invoice per paid tier."""
        m = txn.state.membership
        chapters = ", ".join(str(c) for c in sorted(self.vip_chapters))
        if m.is_vip(txn.now):
            txn.say(tx("vip_active", txn.lang, until=self.until(m.ends_at)))
            if not m.invite_link:  # the last invite never arrived: ask for a new one
                self._invite(txn)
        else:
            txn.say(tx("vip_offer", txn.lang, chapters=chapters))
        for tier in self.tiers.by_id.values():
            days = f"{tier.period_days} days" if txn.lang != "es" else f"{tier.period_days} días"
            pitch = tx("vip_offer", txn.lang, chapters=chapters)
            invoice = {
                "title": tier.title,
                "description": f"{tier.title} · {days} · {pitch}"[:255],
                "payload": self.tiers.payload(tier, txn.state.user_id),
                "currency": STARS,
                "prices": [{"label": tier.title, "amount": tier.price_stars}],
            }
            txn.call("sendInvoice", {"chat_id": txn.chat_id, **invoice}, txn.chat_id)
            if tier.period_s == SUBSCRIPTION_PERIOD_S:  # Telegram renews only 30-day periods
                link = {**invoice, "subscription_period": SUBSCRIPTION_PERIOD_S}
                txn.call("createInvoiceLink", link, txn.chat_id, result_to="subscription_link")

    def subscription_link_created(self, txn: Txn, result: Any, error: str | None) -> None:
        """The link of a monthly Stars subscription came back: offer it."""
        if error is not None or not isinstance(result, str):
            log.warning("vip.subscription_link_failed", error=error)
            return
        button = {"text": tx("vip_subscribe_button", txn.lang), "url": result}
        txn.say(tx("vip_subscribe", txn.lang, link=result), {"inline_keyboard": [[button]]})

    def pre_checkout(self, txn: Txn, update: IncomingUpdate) -> None:
        """Answer a pre-checkout query: ok only for our payload, in Stars, at today's price."""
        tier = self.tiers.parse_payload(update.invoice_payload, txn.state.user_id)
        ok = (
            tier is not None
            and update.currency == STARS
            and update.total_amount == tier.price_stars
        )
        params: dict[str, Any] = {"pre_checkout_query_id": update.pre_checkout_query_id, "ok": ok}
        if not ok:
            params["error_message"] = tx("checkout_invalid", txn.lang)
            log.warning(
                "vip.checkout_refused", currency=update.currency, amount=update.total_amount
            )
        CHECKOUTS.labels("ok" if ok else "refused").inc()
        txn.call("answerPreCheckoutQuery", params, None)

    def paid(self, txn: Txn, update: IncomingUpdate) -> None:
        """Record a ``successful_payment`` once per charge id and activate or extend the tier."""
        charge = update.telegram_payment_charge_id or ""
        m = txn.state.membership
        if not charge:
            PAYMENTS.labels("no_charge_id").inc()
            log.error("vip.payment_without_charge_id")
            return
        if any(entry[0] == charge for entry in m.charges):
            PAYMENTS.labels("duplicate").inc()
            log.info("vip.payment_duplicate", charge_id=charge)
            return
        amount = update.total_amount or 0
        tier = self.tiers.parse_payload(update.invoice_payload, txn.state.user_id)
        if tier is None:
            self._reject(txn, update, charge, "unknown_payload")
            return
        if update.currency != STARS or amount != tier.price_stars:
            self._reject(txn, update, charge, "currency" if update.currency != STARS else "amount")
            return
        _record_charge(txn, update, charge, tier.id, "paid")
        txn.event(
            PaymentReceived(charge_id=charge, amount=amount, currency=update.currency or STARS)
        )
        txn.once(f"payment:{charge}")
        PAYMENTS.labels("recorded").inc()
        self.activate(txn, tier, tier.period_s, f"stars:{charge}")

    def _reject(self, txn: Txn, update: IncomingUpdate, charge: str, reason: str) -> None:
        """A payment of no invoice we issued (an unknown payload, or not the invoiced amount
        and currency): grant nothing, record it ``rejected`` (refundable), tell the player."""
        amount = update.total_amount or 0
        currency = update.currency or ""
        # tier "" marks a charge that bought nothing: its refund ends no membership
        _record_charge(txn, update, charge, "", "rejected")
        batch = txn.outcome.batch
        batch.audit.append(
            AuditEntry(
                "telegram",
                "payment.rejected",
                str(txn.state.user_id),
                {"charge_id": charge, "amount": amount, "currency": currency, "reason": reason},
                f"payment_rejected:{charge}",
            )
        )
        txn.once(f"payment:{charge}")
        PAYMENTS.labels("rejected").inc()
        REJECTED_PAYMENTS.labels(reason).inc()
        log.error(
            "vip.payment_rejected",
            charge_id=charge,
            amount=amount,
            currency=currency,
            reason=reason,
        )
        txn.say(tx("payment_rejected", txn.lang, stars=amount))
        txn.outcome.result = {"status": "rejected", "reason": reason}

    # ---- membership changes ---------------------------------------------------------------
    def activate(self, txn: Txn, tier: Tier, seconds: int, source: str) -> None:
        """Start or extend ``tier`` by ``seconds``; a new member gets a channel invite."""
        m = txn.state.membership
        now = txn.now
        extending = m.is_vip(now)
        m.started_at = m.started_at if extending else now
        m.ends_at = (m.ends_at if extending else now) + seconds
        m.tier, m.status, m.reminded = tier.id, "active", []
        txn.outcome.batch.subscriptions.append(
            SubscriptionChange(
                txn.state.user_id, tier.id, "active", m.started_at, m.ends_at, source
            )
        )
        txn.event(SubscriptionActivated(tier=tier.id, ends_at=m.ends_at))
        SUBSCRIPTION_CHANGES.labels("extended" if extending else "activated").inc()
        txn.say(
            tx(
                "vip_extended" if extending else "vip_welcome",
                txn.lang,
                until=self.until(m.ends_at),
            )
        )
        if not m.in_channel:
            self._invite(txn)
        txn.outcome.result = {"tier": tier.id, "ends_at": m.ends_at, "status": "active"}

    def _invite(self, txn: Txn) -> None:
        txn.state.membership.in_channel = True
        txn.call(
            "createChatInviteLink",
            {
                "chat_id": self.channel_id,
                "member_limit": 1,
                "name": f"vip {txn.state.user_id}"[:32],
            },
            txn.chat_id,  # paced and ordered with the player's chat, not as channel posts
            result_to="invite",
        )

    def invite_created(self, txn: Txn, result: Any, error: str | None) -> None:
        """The invite link came back (or failed): hand it to the player."""
        link = result.get("invite_link") if isinstance(result, dict) else None
        if error is not None or not link:
            txn.state.membership.in_channel = False
            log.warning("vip.invite_failed", error=error)
            txn.say(tx("vip_invite_failed", txn.lang))
            return
        txn.state.membership.invite_link = link
        button = {"text": "Diana ⭐", "url": link}
        txn.say(tx("vip_invite", txn.lang, link=link), {"inline_keyboard": [[button]]})

    def end(self, txn: Txn, status: str, reason: str, source: str) -> None:
        """End the current paid tier now: record it, remove the player from the channel."""
        m = txn.state.membership
        ends_at = m.ends_at if status == "expired" else min(m.ends_at, txn.now)
        txn.outcome.batch.subscriptions.append(
            SubscriptionChange(txn.state.user_id, m.tier, status, m.started_at, ends_at, source)
        )
        txn.event(SubscriptionExpired(tier=m.tier, reason=reason))
        SUBSCRIPTION_CHANGES.labels(status).inc()
        txn.call(
            "banChatMember",
            {"chat_id": self.channel_id, "user_id": txn.state.user_id},
            txn.chat_id,  # in the player's lane: before the "VIP ended" message, not 20/min
        )
        txn.call(
            "unbanChatMember",
            {"chat_id": self.channel_id, "user_id": txn.state.user_id, "only_if_banned": True},
            txn.chat_id,
        )
        m.tier, m.status, m.ends_at, m.reminded = FREE, status, ends_at, []
        m.in_channel, m.invite_link = False, ""
        txn.outcome.result = {"tier": FREE, "status": status, "ends_at": ends_at}

    def expire(self, txn: Txn, ends_at: float) -> None:
        """The scheduler's expiry of the subscription that ends at ``ends_at`` (exactly once)."""
        m = txn.state.membership
        if (
            m.tier == FREE
            or m.status != "active"
            or abs(m.ends_at - ends_at) > 0.5
            or txn.now < m.ends_at
        ):
            txn.outcome.result = {"status": "not_due"}
            return
        key = f"expire:{txn.state.user_id}:{int(ends_at)}"
        txn.once(key)
        self.end(txn, "expired", "ended", "scheduler")
        txn.say(
            tx("vip_expired", txn.lang),
            {
                "inline_keyboard": [
                    [{"text": tx("vip_button", txn.lang), "callback_data": VIP_CALLBACK}]
                ]
            },
        )

    def remind(self, txn: Txn, days: int, ends_at: float) -> None:
        """Remind the player ``days`` before the end (once per subscription end and day count)."""
        m = txn.state.membership
        if (
            not m.is_vip(txn.now)
            or abs(m.ends_at - ends_at) > 0.5
            or days in m.reminded
            or txn.now < ends_at - days * DAY_S
        ):
            txn.outcome.result = {"status": "not_due"}
            return
        key = f"remind:{txn.state.user_id}:{int(ends_at)}:{days}"
        txn.once(key)
        m.reminded += [d for d in self.reminder_days if d >= days and d not in m.reminded]
        txn.say(tx("vip_reminder", txn.lang, days=days, until=self.until(ends_at)))
        txn.outcome.result = {"status": "reminded"}

    # ---- admin -----------------------------------------------------------------------------
    def request_refund(self, txn: Txn, charge_id: str, who: str, recorded_stars: int = 0) -> None:
        """Ask Telegram to refund ``charge_id``; the answer comes back as a call result."""
        charges = txn.state.membership.charges
        entry = next((e for e in charges if e[0] == charge_id), None)
        if entry is None and recorded_stars > 0:  # recorded, but the mirror lost it
            entry = [charge_id, recorded_stars, txn.state.membership.tier, False]
            charges.append(entry)
        if entry is None:
            txn.outcome.result = {"status": "unknown_charge"}
            return
        if entry[3]:
            txn.outcome.result = {"status": "already_refunded"}
            return
        attempt = self.refund_failures(txn.state, charge_id)
        txn.call(
            "refundStarPayment",
            {"user_id": txn.state.user_id, "telegram_payment_charge_id": charge_id},
            None,
            result_to=f"refund:{charge_id}@{attempt}:{who}"[:200],
        )
        txn.outcome.result = {"status": "refund_requested"}

    @staticmethod
    def refund_failures(state: PlayerState, charge_id: str) -> int:
        """How many refunds of ``charge_id`` Telegram refused (the attempt a new request is)."""
        entry = next((e for e in state.membership.charges if e[0] == charge_id), None)
        return int(entry[4]) if entry is not None and len(entry) > 4 else 0

    def refund_answered(
        self, txn: Txn, charge_id: str, who: str, error: str | None, attempt: int = 0
    ) -> None:
        """Telegram answered the refund: record it and end the subscription it paid for.

        A refusal is logged and audited, and counted on the charge, so that the admin's next
        request is a new attempt (a new call) rather than a replay of this one.
        """
        entry = next((e for e in txn.state.membership.charges if e[0] == charge_id), None)
        if entry is None or entry[3]:
            return
        if error is not None and "ALREADY_REFUNDED" not in error:
            log.error("vip.refund_failed", charge_id=charge_id, error=error, attempt=attempt)
            failures = max(self.refund_failures(txn.state, charge_id), attempt + 1)
            del entry[4:]
            entry.append(failures)
            txn.outcome.batch.audit.append(
                AuditEntry(
                    who,
                    "payment.refund_failed",
                    str(txn.state.user_id),
                    {"charge_id": charge_id, "error": error[:200]},
                )
            )
            return
        entry[3] = True
        batch = txn.outcome.batch
        batch.refunds.append(PaymentRefund(charge_id))
        batch.audit.append(
            AuditEntry(
                who,
                "payment.refund",
                str(txn.state.user_id),
                {"charge_id": charge_id, "stars": entry[1]},
                f"refund:{charge_id}",
            )
        )
        txn.event(PaymentRefunded(charge_id=charge_id, amount=entry[1], currency=STARS))
        txn.once(f"refund:{charge_id}")
        if entry[2] and txn.state.membership.tier != FREE:  # a rejected charge bought nothing
            self.end(txn, "refunded", "refund", f"refund:{who}"[:100])
        txn.say(tx("vip_refunded", txn.lang, stars=entry[1]))

    def grant(self, txn: Txn, tier_id: str, days: int, who: str, key: str) -> None:
        """An admin grants or extends a tier by ``days``."""
        tier = self.tiers.get(tier_id)
        if tier is None or days <= 0:
            txn.outcome.result = {
                "status": "invalid",
                "error": f"unknown tier {tier_id!r} or days {days}",
            }
            return
        txn.outcome.batch.audit.append(
            AuditEntry(
                who,
                "subscription.grant",
                str(txn.state.user_id),
                {"tier": tier_id, "days": days},
                f"grant:{key}",
            )
        )
        txn.once(key)
        self.activate(txn, tier, days * DAY_S, f"admin:{who}"[:100])

    def revoke(self, txn: Txn, who: str, key: str) -> None:
        """An admin ends the current paid tier now."""
        if not txn.state.membership.is_vip(txn.now):
            txn.outcome.result = {"status": "not_subscribed"}
            return
        txn.outcome.batch.audit.append(
            AuditEntry(who, "subscription.revoke", str(txn.state.user_id), {}, f"revoke:{key}")
        )
        txn.once(key)
        self.end(txn, "revoked", "revoked", f"admin:{who}"[:100])
        txn.say(tx("vip_revoked", txn.lang))
