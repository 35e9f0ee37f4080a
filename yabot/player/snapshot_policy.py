"""When a player's actor snapshots its state.

Encoding, encrypting and writing a state costs about 0.3 ms of the process's CPU (a run with a
snapshot per update, docs/benchmarks.md), so an actor snapshots after ``every`` transitions,
or at a transition ``every_s`` seconds after the oldest one its last snapshot does not cover.
Transitions not snapshotted yet are safe meanwhile: they are in the inbox, and recovery
replays them.

The clock starts at the first transition not yet covered, not at the last snapshot: players
who went idle together (all woken at start-up, or by one broadcast) would otherwise all
snapshot at their first transition when they come back, a snapshot per update for as long as
that lasts. And each player's ``every_s`` is spread over ``[every_s / 2, every_s]`` by its key,
so players who came back together do not all snapshot together one period later either.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)  # one per resident player: no per-instance dict
class SnapshotPolicy:
    """One actor's count of transitions not yet snapshotted.

    Args:
        every: Snapshot at the transition that makes this many.
        every_s: ... or at a transition this many seconds after the oldest of them.
    """

    every: int
    every_s: float
    pending: int = 0
    oldest_at: float | None = None

    @classmethod
    def for_key(cls, key: int, every: int, every_s: float) -> SnapshotPolicy:
        """The policy of the actor of ``key``: ``every_s`` spread by the key, the same for a
        key every time."""
        spread = ((key * 2_654_435_761) % 2**32) / 2**32  # Knuth's multiplicative hash
        return cls(every, every_s * (1.0 - spread / 2))

    def transition(self, now: float) -> bool:
        """Count one transition made at ``now``; return True when a snapshot is due."""
        if self.oldest_at is None:
            self.oldest_at = now
        self.pending += 1
        return self.pending >= self.every or now - self.oldest_at >= self.every_s

    def taken(self) -> int:
        """A snapshot covers every pending transition: start again; return how many."""
        covered, self.pending, self.oldest_at = self.pending, 0, None
        return covered
