"""Subscription tiers: ``free`` plus ``vip`` and any paid tiers in config."""

from __future__ import annotations

from dataclasses import dataclass

from yabot.config import SubscriptionSettings

FREE = "free"
VIP = "vip"
DAY_S = 86_400
STARS = "XTR"
SUBSCRIPTION_PERIOD_S = 2_592_000  # the only period Telegram Stars subscriptions accept
PAYLOAD_PREFIX = "sub"


@dataclass(frozen=True)
class Tier:
    """A paid tier: its price in Telegram Stars and how long one payment lasts."""

    id: str
    title: str
    price_stars: int
    period_days: int

    @property
    def period_s(self) -> int:
        """One paid period in seconds."""
        return self.period_days * DAY_S


class Tiers:
    """Every paid tier by id (``vip`` first)."""

    def __init__(self, settings: SubscriptionSettings) -> None:
        vip = Tier(VIP, "VIP", settings.vip_price_stars, settings.vip_period_days)
        self.by_id: dict[str, Tier] = {VIP: vip}
        for spec in settings.extra_tiers:
            if spec.id in (FREE, VIP):
                raise ValueError(f"subscriptions.extra_tiers: tier id {spec.id!r} is reserved")
            self.by_id[spec.id] = Tier(spec.id, spec.title, spec.price_stars, spec.period_days)

    def get(self, tier_id: str) -> Tier | None:
        """The tier ``tier_id``, or None."""
        return self.by_id.get(tier_id)

    @staticmethod
    def payload(tier: Tier, user_id: int) -> str:
        """The invoice payload naming what is bought and by whom."""
        return f"{PAYLOAD_PREFIX}:{tier.id}:{user_id}:{tier.price_stars}"

    def parse_payload(self, payload: str | None, user_id: int) -> Tier | None:
        """The tier an invoice payload buys, if it is ours, for ``user_id`` and still priced so."""
        parts = (payload or "").split(":")
        if len(parts) != 4 or parts[0] != PAYLOAD_PREFIX or parts[2] != str(user_id):
            return None
        tier = self.get(parts[1])
        if tier is None or parts[3] != str(tier.price_stars):
            return None
        return tier
