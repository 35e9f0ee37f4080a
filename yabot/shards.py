"""Shards: the unit of the players supervisor tree and of durable state.

A player's shard is a stable hash of the user id modulo ``runtime.shards`` (never Python's
``hash()``, which changes between processes for some types and says nothing across
versions): every process, today and after an upgrade, puts a user in the same shard. The
inbox stores each entry's shard (indexed) and snapshots carry their player's shard, so the
cluster mode can hand a shard's whole durable state to one owner.
"""

from __future__ import annotations

import zlib

DEFAULT_SHARDS = 64


def shard_of(user_id: int, shards: int = DEFAULT_SHARDS) -> int:
    """The shard of ``user_id``, in ``0 .. shards - 1`` (CRC-32 of its 8-byte big-endian form).

    Raises:
        ValueError: ``shards`` is not positive.
    """
    if shards < 1:
        raise ValueError(f"shards must be >= 1, got {shards}")
    return zlib.crc32(user_id.to_bytes(8, "big", signed=True)) % shards
