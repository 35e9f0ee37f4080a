"""Roles: ``player`` < ``vip`` < ``admin``. Admins are configured user ids and pass VIP gates."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from prometheus_client import Counter

from yabot.player.state import PlayerState

Role = Literal["player", "vip", "admin"]
RANK: dict[Role, int] = {"player": 0, "vip": 1, "admin": 2}
DENIED = Counter(
    "yabot_access_denied_total", "Commands or story moves refused for lack of a role", ["needed"]
)


def role_of(state: PlayerState, now: float, admin_ids: Collection[int]) -> Role:
    """The player's role at ``now``."""
    if state.user_id in admin_ids:
        return "admin"
    return "vip" if state.membership.is_vip(now) else "player"


def allowed(role: Role, needed: Role) -> bool:
    """Whether ``role`` may do what needs ``needed``; a refusal is counted."""
    if RANK[role] >= RANK[needed]:
        return True
    DENIED.labels(needed).inc()
    return False
