"""Idempotency keys of an update's effects.

Every effect of an update (ledger entries, events, items, replies) carries a key derived from
the update's inbox entry: its ``update_id`` **and** its arrival ``seq``. A replay of the same
entry derives the same keys, so it writes and sends nothing twice; a new update that reuses an
``update_id`` seen long ago (Telegram picks ids at random after a quiet week) has a new ``seq``,
so its effects never collide with the old ones.

Entries stored before the inbox had arrival numbers (``legacy``) keep the keys they were
first applied with (``u<update_id>`` for records, ``<update_id>`` for replies), so a replay
across the upgrade changes nothing twice either.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EffectKeys:
    """The key bases of one inbox entry's effects.

    Attributes:
        records: Base of the records' keys (ledger, events, items: ``<records>:<what>:<n>``).
        replies: Base of the replies' dedupe keys (``<replies>:<index>``).
    """

    records: str
    replies: str


def effect_keys(update_id: int, seq: int, *, legacy: bool = False) -> EffectKeys:
    """The key bases of the inbox entry ``seq`` holding ``update_id``."""
    if legacy:
        return EffectKeys(f"u{update_id}", str(update_id))
    base = f"u{update_id}.{seq}"
    return EffectKeys(base, base)
