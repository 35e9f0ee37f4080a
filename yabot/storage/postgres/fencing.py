"""Fencing of a shard's writes: the :class:`LeaseSource` a store is given and :func:`fence`.

A store that holds a shard's state takes ``leases: LeaseSource | None``. With one (cluster
mode), every write transaction of a player's state calls :func:`fence` for the player first:
it runs :func:`yabot.cluster.leases.check_fence` inside the same transaction, so a writer
whose lease was taken over (its epoch is stale) or has expired writes nothing. Without one
(a single instance on PostgreSQL) no check is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from yabot.cluster.leases import FENCED, Fenced, Lease, check_fence
from yabot.observability.logging import get_logger
from yabot.shards import shard_of
from yabot.storage.lease_source import LeaseSource

log = get_logger(__name__)

__all__ = ["Fenced", "LeaseSource", "fence", "fence_shard", "fence_shards"]


def fence_shards(
    cursor: psycopg.Cursor[Any], leases: LeaseSource, shards: Iterable[int], store: str
) -> None:
    """Check the leases of ``shards`` (in ascending order, so lockers never deadlock).

    Raises:
        Fenced: A shard is not ours, or its lease no longer holds; nothing must be written.
    """
    for shard in sorted(set(shards)):
        lease = leases.lease(shard)
        if lease is None:
            FENCED.labels(store).inc()
            log.warning("cluster.write_fenced", shard=shard, epoch=None, store=store)
            raise Fenced(f"shard {shard} is not ours")
        check_fence(cursor, Lease(lease.shard, lease.epoch, lease.member_id), store)


def fence_shard(cursor: psycopg.Cursor[Any], leases: LeaseSource, shard: int, store: str) -> bool:
    """Like :func:`fence_shards` for one shard, answering False instead of raising."""
    try:
        fence_shards(cursor, leases, (shard,), store)
    except Fenced:
        return False
    return True


def fence(
    cursor: psycopg.Cursor[Any], user_id: int, leases: LeaseSource | None, store: str
) -> None:
    """Inside a write transaction of ``user_id``'s state: refuse it unless we own the shard.

    No check is made without a lease source (a single instance).
    """
    if leases is not None:
        fence_shards(cursor, leases, (shard_of(user_id, leases.shards),), store)
