"""Any order of payments, repeated deliveries and expiry messages: each charge counts once and
the player's mirror always agrees with the records DB."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.economy.world import T0, World, world_settings
from yabot.player.messages import Expire

DAY = 86_400
_WORLD = World(world_settings(Path(tempfile.mkdtemp(prefix="yabot-pay-prop-")) / "data"))
_USERS = itertools.count(50_000)

step = st.tuples(
    st.sampled_from(["pay", "expire"]),
    st.integers(min_value=0, max_value=3),  # charge id from a small pool: repeats happen
    st.integers(min_value=1, max_value=40),  # days that pass before this step
)


@given(st.lists(step, min_size=1, max_size=12))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_each_charge_counts_once_and_the_mirror_matches_the_records(
    steps: list[tuple[str, int, int]],
) -> None:
    world, user = _WORLD, next(_USERS)
    now, charges = T0, set()
    for kind, charge_no, days in steps:
        now += days * DAY
        if kind == "pay":
            charge = f"u{user}c{charge_no}"
            world.pay(user, f"sub:vip:{user}:250", 250, charge, now)
            charges.add(charge)
        else:
            world.system(user, Expire(world.state(user).membership.ends_at, now))
        m = world.state(user).membership
        sub = world.records.subscription(user)
        assert sorted(c[0] for c in m.charges) == sorted(charges), "one entry per distinct charge"
        assert all(world.records.payment(c) is not None for c in charges)
        if sub is not None:
            assert m.ends_at == sub.ends_at
            assert (sub.status == "active") == (m.status == "active")
    welcomes = [t for t in world.texts(user) if "You are VIP until" in t or "extended until" in t]
    assert len(welcomes) == len(charges), "each distinct charge activated or extended VIP once"
    ended = [t for t in world.texts(user) if "Your VIP has ended" in t]
    bans = [r for r in world.sent[user] if r.method == "banChatMember"]
    assert len(ended) == len(bans), "every expiry removed the player from the channel, once"
