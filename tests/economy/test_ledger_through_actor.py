"""The ledger through the player's transitions: any interleaving of credits, debits and
repeated idempotency keys keeps the balance equal to the sum of distinct entries, never < 0."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.economy.world import T0, World, world_settings
from yabot.player.messages import AdjustBesitos

_DIR = Path(tempfile.mkdtemp(prefix="yabot-ledger-prop-"))
_WORLD = World(world_settings(_DIR / "data"))
_USERS = itertools.count(10_000)

operation = st.tuples(
    st.sampled_from(["credit", "debit", "buy_hint", "daily"]),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=0, max_value=7),  # idempotency key from a small pool: repeats happen
)


@given(st.lists(operation, min_size=1, max_size=25))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_balance_is_sum_of_distinct_entries_and_never_negative(
    ops: list[tuple[str, int, int]],
) -> None:
    world, user = _WORLD, next(_USERS)
    applied: dict[str, int] = {}  # admin key -> signed amount that was applied
    expected = 0
    for step, (kind, amount, key_no) in enumerate(ops):
        at = T0 + step * 3600
        if kind in ("credit", "debit"):
            key = f"k{key_no}"
            signed = amount if kind == "credit" else -amount
            result = world.system(user, AdjustBesitos(signed, "test", "admin", key, at))
            if key in applied:
                continue  # a repeated key: whatever it says, it must not move the balance
            if result.get("status") == "applied":
                applied[key] = signed
                expected += signed
            else:
                assert result["status"] == "insufficient_funds"
                assert expected + signed < 0, "a debit is refused only when it would go negative"
        elif kind == "buy_hint":
            before = world.state(user).economy.balance
            world.press(user, "s:hint", at)
            if before >= 5:
                expected -= 5
        else:
            world.message(user, "/daily", at)
            expected = world.records.balance(user)  # the daily amount depends on the streak
        balance = world.records.balance(user)
        assert balance >= 0
        assert world.state(user).economy.balance == balance, "the actor's mirror equals the ledger"
        assert balance == expected
    movements = world.records.movements(user, limit=1000)
    assert sum(m.amount for m in movements) == world.records.balance(user)
    keys = [m.idempotency_key for m in movements]
    assert len(keys) == len(set(keys))
