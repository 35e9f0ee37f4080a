"""A player's snapshot versions follow what was stored, and a refused snapshot is not the end
of the player's snapshots: a passivation cancelled by new mail after its snapshot was stored
(and the writer forgot the key) goes on from the stored version, and an actor whose snapshot
conflicts (another writer stored the key) loads again.

The stores are real (SQLite files, or PostgreSQL with the member's writes fenced by a lease
it holds throughout); one member, the shard's owner at one epoch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import REGISTRY

from tests.economy.world import T0
from tests.player.test_ownership import USER, Member, Shared, shared
from yabot.player.repository import snapshot_key
from yabot.storage.snapshots import Snapshot

__all__ = ["shared"]  # the fixture (SQLite and PostgreSQL)


def sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def conflicts() -> float:
    """Snapshots refused by compare-and-set."""
    return sample("yabot_snapshot_conflicts_total")


def member_of(shared: Shared) -> Member:
    member = Member(shared, "a")
    member.effects.tell = member.directory.tell
    shared.own(member, 1)
    return member


def stored(member: Member) -> Snapshot:
    snapshot = member.repo.store.load(snapshot_key(USER))
    assert snapshot is not None
    return snapshot


def test_a_passivation_cancelled_after_its_snapshot_was_stored_goes_on_from_that_version(
    shared: Shared,
) -> None:
    member = member_of(shared)
    try:
        member.hand_over(shared.append(101, "/c1", T0))
        member.settle()
        assert stored(member).version == 1
        # The passivation's snapshot is durable and the writer forgets the key; then mail
        # arrives (before the actor retires): the passivation is cancelled.
        mail = shared.append(102, "/c2", T0 + 1)
        settle: Callable[[int], Any] = member.repo.settle

        def mail_meanwhile(user_id: int) -> Any:
            version = settle(user_id)
            member.directory.tell(USER, mail)
            return version

        member.effects.settle = mail_meanwhile
        refused = conflicts()
        assert member.directory.passivate(USER)
        last = shared.append(103, "/c3", T0 + 2)
        view = member.hand_over(last)
        member.settle()
        assert member.directory.is_resident(USER), "the passivation was cancelled"
        assert view["inbox_seq"] == last.seq
        assert conflicts() == refused, "no snapshot of the actor conflicted"
        assert stored(member).seq == last.seq and stored(member).version >= 2
        assert member.repo.inbox.entries_after(USER, 0) == [], "its snapshots covered them"
    finally:
        member.stop()


def test_an_actor_whose_snapshot_conflicts_loads_again_and_its_snapshots_land(
    shared: Shared,
) -> None:
    member = member_of(shared)
    reloaded = sample("yabot_player_states_reloaded_after_conflict_total")
    try:
        member.hand_over(shared.append(101, "/c1", T0))
        member.settle()
        # Another writer stores the key meanwhile (say, a restore): version 2, same content.
        first = stored(member)
        other = Snapshot(first.key, 2, first.seq, first.state, first.updated_at + 1, first.shard)
        assert all(o.saved for o in member.repo.store.save_many([other]))
        refused = conflicts()
        member.hand_over(shared.append(102, "/c2", T0 + 1))
        member.writer.flush(timeout=10)
        # The actor is told: it loads version 2 and the inbox entries it does not cover.
        until(lambda: sample("yabot_player_states_reloaded_after_conflict_total") > reloaded)
        assert conflicts() == refused + 1, "the actor's version 2 conflicted"
        last = shared.append(103, "/c3", T0 + 2)
        view = member.hand_over(last)
        member.settle()
        assert sample("yabot_player_states_reloaded_after_conflict_total") == reloaded + 1
        assert conflicts() == refused + 1
        assert view["inbox_seq"] == last.seq and view["transitions"] == 3, view
        assert stored(member).seq == last.seq and stored(member).version > 2
        assert shared.processed() == {101: 1, 102: 1, 103: 1}
    finally:
        member.stop()
