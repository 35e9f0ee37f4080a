"""Fencing of a shard's writes: :func:`check_fence`, the :class:`LeaseSource` a store is given
and :func:`fence`. (``yabot.cluster.leases`` re-exports ``check_fence`` and ``Fenced``: the
check belongs to the stores, so storage never imports the cluster package.)

A store that holds a shard's state takes ``leases: LeaseSource | None``. With one (cluster
mode), every write transaction of a player's state calls :func:`fence` for the player first:
it runs :func:`yabot.cluster.leases.check_fence` inside the same transaction, so a writer
whose lease was taken over (its epoch is stale) or has expired writes nothing. Without one
(a single instance on PostgreSQL) no check is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import psycopg
from prometheus_client import Counter

from yabot.observability.logging import get_logger
from yabot.shards import shard_of
from yabot.storage.lease_source import Fenced, HeldLease, LeaseSource

log = get_logger(__name__)

FENCED = Counter(
    "yabot_cluster_fenced_writes_total",
    "Writes refused because this instance no longer holds the shard's lease",
    ["store"],
)


def check_fence(cursor: psycopg.Cursor[Any], lease: HeldLease, store: str) -> None:
    """Inside a write transaction: raise :class:`Fenced` unless ``lease`` still holds.

    It locks the lease row ``FOR KEY SHARE``: an acquisition of the shard (which locks the row
    ``FOR UPDATE`` before it raises the epoch) waits for this transaction, and a write after
    the acquisition finds the new epoch. The weakest row lock on purpose: the owner's lease
    renewals and its own release (updates that take no ``FOR UPDATE``) never wait for the
    shard's writers, nor the writers for them.

    Args:
        cursor: A cursor of the transaction that writes the shard's state.
        lease: The lease the writer believes it holds.
        store: The store's name, for the refused-writes metric.
    """
    cursor.execute(
        "SELECT 1 FROM shard_leases WHERE shard = %s AND owner = %s AND epoch = %s"
        " AND expires_at > now() FOR KEY SHARE",
        (lease.shard, lease.member_id, lease.epoch),
    )
    if cursor.fetchone() is None:
        FENCED.labels(store).inc()
        log.warning("cluster.write_fenced", shard=lease.shard, epoch=lease.epoch, store=store)
        raise Fenced(f"shard {lease.shard} epoch {lease.epoch} is no longer ours")


__all__ = [
    "FENCED",
    "Fenced",
    "LeaseSource",
    "believed_leases",
    "check_fence",
    "checked_leases",
    "count_stale",
    "current",
    "fence",
    "fence_shard",
    "fence_shards",
    "held_leases",
    "held_shards",
    "refuse",
]


def held_shards(
    cursor: psycopg.Cursor[Any], leases: LeaseSource, shards: Iterable[int], store: str
) -> set[int]:
    """Inside a write transaction: which of ``shards`` this instance still holds.

    One statement for all of them: it locks their lease rows ``FOR KEY SHARE`` in ascending
    order (lockers never deadlock), like :func:`check_fence` for each. Every shard refused is
    counted and logged; write nothing of it in this transaction.
    """
    return set(held_leases(cursor, leases, shards, store))


def held_leases(
    cursor: psycopg.Cursor[Any], leases: LeaseSource, shards: Iterable[int], store: str
) -> dict[int, HeldLease]:
    """:func:`held_shards`, answering the lease each held shard was checked under (the
    epoch a write of state loaded under an earlier epoch is compared with: :func:`current`).
    """
    wanted = set(shards)
    view = believed_leases(leases, wanted)
    ours: set[int] = set()
    if view:
        cursor.execute(
            "SELECT l.shard FROM shard_leases l JOIN unnest(%s::integer[], %s::text[],"
            " %s::bigint[]) AS w(shard, owner, epoch) ON l.shard = w.shard"
            " AND l.owner = w.owner AND l.epoch = w.epoch"
            " WHERE l.expires_at > now() ORDER BY l.shard FOR KEY SHARE OF l",
            (
                list(view),
                [lease.member_id for lease in view.values()],
                [lease.epoch for lease in view.values()],
            ),
        )
        ours = {int(row[0]) for row in cursor.fetchall()}
    return checked_leases(leases, wanted, view, ours, store)


def believed_leases(leases: LeaseSource, shards: Iterable[int]) -> dict[int, HeldLease]:
    """The leases this member believes it holds of ``shards`` (ascending), read once: what a
    fence checks in the database, and what the checked shards are answered with."""
    return {
        shard: lease for shard in sorted(set(shards)) if (lease := leases.lease(shard)) is not None
    }


def checked_leases(
    leases: LeaseSource,
    wanted: Iterable[int],
    view: Mapping[int, HeldLease],
    ours: Iterable[int],
    store: str,
) -> dict[int, HeldLease]:
    """After a fence checked ``view`` (:func:`believed_leases` of ``wanted``) and found the
    shards ``ours`` held: count and log every other shard of ``wanted`` as refused (telling
    the coordinator) and answer the leases held, as :func:`held_leases` does."""
    found = set(ours)
    chosen = sorted(set(wanted))
    _count_refused(leases, [shard for shard in chosen if shard not in found], store)
    return {shard: view[shard] for shard in chosen if shard in found}


def current(
    held: Mapping[int, HeldLease], shard: int, loaded_epoch: int | None, store: str
) -> bool:
    """Whether a write of state loaded under ``loaded_epoch`` of ``shard``'s lease may go.

    ``held`` is what :func:`held_leases` checked in this transaction. The write goes when the
    shard is held under that very epoch (or ``loaded_epoch`` is None: a write not computed
    from a loaded state). A state loaded under an earlier epoch is refused even when this
    member holds the shard again (a loss and a re-acquisition between the actor's check and
    its write): the refusal is counted and logged, and the coordinator is not told (its lease
    is sound). A shard not held at all was counted by :func:`held_leases` already.
    """
    lease = held.get(shard)
    if lease is None:
        return False
    if loaded_epoch is None or loaded_epoch == lease.epoch:
        return True
    count_stale(shard, loaded_epoch, lease.epoch, store)
    return False


def count_stale(shard: int, loaded_epoch: int, epoch: int, store: str) -> None:
    """Count and log a write refused because it was computed under ``loaded_epoch`` of
    ``shard``'s lease while this member holds it under ``epoch`` (see :func:`current`)."""
    FENCED.labels(store).inc()
    log.warning(
        "cluster.stale_state_fenced",
        shard=shard,
        loaded_epoch=loaded_epoch,
        epoch=epoch,
        store=store,
    )


def _count_refused(leases: LeaseSource, refused: Iterable[int], store: str) -> None:
    """Count and log every refused shard; tell the coordinator of each lease it still holds."""
    for shard in refused:
        lease = leases.lease(shard)
        FENCED.labels(store).inc()
        log.warning(
            "cluster.write_fenced",
            shard=shard,
            epoch=None if lease is None else lease.epoch,
            store=store,
        )
        if lease is not None:
            # The first refusal tells the coordinator at once: it drops the shard, and
            # the shard's later writes are refused without asking the database.
            leases.refused(lease)


def refuse(leases: LeaseSource, refused: Iterable[int], store: str) -> None:
    """After a statement whose fence refused ``refused`` shards (it wrote nothing): count and log
    them, tell the coordinator, and raise.

    Raises:
        Fenced: Always (when ``refused`` is not empty).
    """
    shards = sorted(refused)
    if shards:
        _count_refused(leases, shards, store)
        raise Fenced(f"shards {shards} are no longer ours")


def fence_shards(
    cursor: psycopg.Cursor[Any], leases: LeaseSource, shards: Iterable[int], store: str
) -> None:
    """Check the leases of ``shards`` (one statement, see :func:`held_shards`).

    Raises:
        Fenced: A shard is not ours, or its lease no longer holds; nothing must be written.
    """
    wanted = set(shards)
    refused = sorted(wanted - held_shards(cursor, leases, wanted, store))
    if refused:
        raise Fenced(f"shards {refused} are no longer ours")


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
