"""Messages a player's actor accepts besides updates: time-driven work, call results, admin
requests. Each carries ``at`` (the sender's clock) so the transition stays deterministic, and
the admin ones an idempotency ``key`` (e.g. the API's Idempotency-Key)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Expire:
    """The subscription ending at ``ends_at`` is due to expire (from the scheduler)."""

    ends_at: float
    at: float


@dataclass(frozen=True)
class Remind:
    """Remind the player ``days`` before the subscription ending at ``ends_at`` ends."""

    days: int
    ends_at: float
    at: float


@dataclass(frozen=True)
class Rollover:
    """A new reward day began: broken streaks reset, a new week's missions begin."""

    at: float


@dataclass(frozen=True)
class CallResult:
    """The result of a Bot API call the actor asked for with ``result_to`` (e.g. an invite link)."""

    tag: str
    result: Any
    error: str | None
    at: float


@dataclass(frozen=True)
class RefundPayment:
    """An admin asks to refund ``charge_id`` (refundStarPayment), which ends the subscription.

    ``recorded_stars`` is the amount of the payment as the records DB holds it (0 when not
    looked up), so a mirror that lost the charge can still refund it.
    """

    charge_id: str
    who: str
    at: float
    recorded_stars: int = 0


@dataclass(frozen=True)
class GrantSubscription:
    """An admin grants or extends ``tier`` by ``days``."""

    tier: str
    days: int
    who: str
    key: str
    at: float


@dataclass(frozen=True)
class RevokeSubscription:
    """An admin ends the player's paid tier now."""

    who: str
    key: str
    at: float


@dataclass(frozen=True)
class AdjustBesitos:
    """An admin credits (amount > 0) or debits (amount < 0) besitos, once per ``key``."""

    amount: int
    reason: str
    who: str
    key: str
    at: float


SystemMessage = (
    Expire
    | Remind
    | Rollover
    | CallResult
    | RefundPayment
    | GrantSubscription
    | RevokeSubscription
    | AdjustBesitos
)
