"""What a store needs to know about shard ownership to fence its writes (cluster mode).

Kept free of any database client so that every adapter (PostgreSQL, MongoDB) can take one;
``yabot.cluster.leases.ShardCoordinator`` satisfies :class:`LeaseSource`.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol


class Fenced(RuntimeError):
    """This instance no longer owns the shard (its epoch is stale or its lease expired).

    Nothing was written. The actor keeps the update for later (as for a records store out of
    reach); the shard's next owner applies it from the inbox, and this member passivates the
    shard's actors when its coordinator notices the loss.
    """


class LoadedUnder(NamedTuple):
    """A write computed from a player's state, and the epoch of its shard's lease that state
    was loaded under (cluster mode).

    A store writes it only while the shard's lease still has that epoch: once the shard was
    lost and acquired again (by anyone, this member included), a state loaded under an earlier
    epoch may miss what another owner applied meanwhile, and is never written.
    """

    user_id: int
    epoch: int


class HeldLease(Protocol):
    """A lease as a store sees it (``yabot.cluster.leases.Lease`` is one)."""

    @property
    def shard(self) -> int:
        """The shard."""
        ...

    @property
    def epoch(self) -> int:
        """Raised on every acquisition of the shard: a write carries it to be checked."""
        ...

    @property
    def member_id(self) -> str:
        """The member that holds it."""
        ...


class LeaseSource(Protocol):
    """Which shards this instance owns now, and under which epoch."""

    shards: int

    def lease(self, shard: int) -> HeldLease | None:
        """The lease this instance holds on ``shard``, if any."""
        ...

    def refused(self, lease: HeldLease) -> None:
        """A store's write under ``lease`` was refused by the database: drop the shard."""
        ...


# A lease source may also have ``refused(lease)``: the stores call it (from any thread) when
# the database refused a write under ``lease``, so that the owner drops the shard at once
# (``yabot.cluster.leases.ShardCoordinator.refused``).
