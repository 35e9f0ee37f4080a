"""The snapshot store contract: versioned actor snapshots with compare-and-set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from yabot.storage.sqlite_util import MAX_SQLITE_INTEGER

NO_UPDATE = -1
"""``seq`` of a snapshot taken before any update was applied."""

MAX_KEY_CHARS = 512
MAX_STATE_BYTES = 8 * 1024 * 1024
"""Larger states are refused (MongoDB documents stop at 16 MiB; nothing we build comes close)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One actor's state at a point in its update stream.

    Attributes:
        key: The actor's key, e.g. ``"user:42"``.
        version: 1 for the first stored snapshot of a key, then +1 per stored snapshot.
        seq: The inbox arrival sequence number of the last update applied to ``state``
            (``NO_UPDATE`` if none): the inbox entries it covers.
        state: The serialized state.
        updated_at: Wall-clock time (epoch seconds) the state was taken.
        shard: The actor's shard (``yabot.shards``), the unit of ownership.
        epoch: Cluster mode: the epoch of the shard's lease the actor's state was loaded
            under; a fenced store writes the snapshot only while the lease has that epoch.
            Not stored. None: fenced by the member's current lease only.
    """

    key: str
    version: int
    seq: int
    state: bytes
    updated_at: float
    shard: int = 0
    epoch: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not 0 < len(self.key) <= MAX_KEY_CHARS:
            raise ValueError(f"snapshot key must be 1-{MAX_KEY_CHARS} characters: {self.key!r:.80}")
        if not 1 <= self.version <= MAX_SQLITE_INTEGER:
            raise ValueError(f"snapshot {self.key!r}: version must be >= 1, got {self.version}")
        if not NO_UPDATE <= self.seq <= MAX_SQLITE_INTEGER:
            raise ValueError(
                f"snapshot {self.key!r}: seq must be in [{NO_UPDATE}, 2**63-1], got {self.seq}"
            )
        if not isinstance(self.state, bytes):
            raise TypeError(f"snapshot {self.key!r}: state must be bytes, not {type(self.state)}")


class SnapshotStoreError(Exception):
    """The store could not be reached or failed; nothing in the call is known to be stored."""


class SnapshotConflict(Exception):
    """A compare-and-set was refused: the stored version is not ``version - 1``."""

    def __init__(self, key: str, version: int, stored_version: int | None) -> None:
        self.key = key
        self.version = version
        self.stored_version = stored_version
        stored = "absent" if stored_version is None else f"version {stored_version}"
        super().__init__(
            f"snapshot {key!r}: version {version} refused, the store holds {stored} "
            f"(expected {'absent' if version == 1 else f'version {version - 1}'})"
        )


class SaveStatus(Enum):
    """What happened to one snapshot of a ``save_many`` call."""

    SAVED = "saved"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    FENCED = "fenced"
    """Cluster mode: the snapshot's shard is no longer this instance's; nothing was stored."""


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    """The result for one snapshot, in the order of the ``save_many`` input."""

    key: str
    version: int
    status: SaveStatus
    conflict: SnapshotConflict | None = None
    error: str | None = None

    @property
    def saved(self) -> bool:
        """True when the snapshot is stored."""
        return self.status is SaveStatus.SAVED


@runtime_checkable
class SnapshotStore(Protocol):
    """Where actor snapshots live. Implementations are safe to call from several threads."""

    def load(self, key: str) -> Snapshot | None:
        """Return the stored snapshot of ``key``, or None.

        Raises:
            SnapshotStoreError: The store is unreachable.
        """
        ...

    def save_many(self, snapshots: Sequence[Snapshot]) -> list[SaveOutcome]:
        """Store many snapshots in one round trip (group commit), each with compare-and-set.

        A snapshot of version ``v`` is stored only if the stored version is ``v - 1`` (or the key
        is absent and ``v == 1``); otherwise its outcome is ``CONFLICT`` and the stored snapshot
        is untouched. A state above ``MAX_STATE_BYTES`` gets ``REJECTED``.

        Args:
            snapshots: Snapshots of distinct keys.

        Returns:
            One outcome per input snapshot, in input order.

        Raises:
            ValueError: Two snapshots share a key.
            SnapshotStoreError: The store is unreachable; retry the whole call.
        """
        ...

    def delete(self, key: str) -> None:
        """Remove the snapshot of ``key`` if any."""
        ...

    def ping(self) -> bool:
        """Return True when the store answers."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def split_valid(snapshots: Sequence[Snapshot]) -> tuple[list[int], dict[int, SaveOutcome]]:
    """Check a ``save_many`` batch: indexes to store, and outcomes of refused ones.

    Raises:
        ValueError: Two snapshots share a key.
    """
    seen: set[str] = set()
    valid: list[int] = []
    rejected: dict[int, SaveOutcome] = {}
    for index, snap in enumerate(snapshots):
        if snap.key in seen:
            raise ValueError(f"save_many: snapshot key {snap.key!r} appears twice in one batch")
        seen.add(snap.key)
        if len(snap.state) > MAX_STATE_BYTES:
            rejected[index] = SaveOutcome(
                snap.key,
                snap.version,
                SaveStatus.REJECTED,
                error=f"state is {len(snap.state)} bytes, above the {MAX_STATE_BYTES} limit",
            )
        else:
            valid.append(index)
    return valid, rejected


# What the SQL adapters (SQLite, PostgreSQL) share: the columns in their order, the load, the
# row's snapshot, and the outcome of a compare-and-set that did not write.
COLUMNS = "key, version, seq, state, updated_at, shard"


def load_sql(placeholder: str) -> str:
    """The load of one key, with the adapter's parameter ``placeholder``."""
    return f"SELECT {COLUMNS} FROM snapshots WHERE key = {placeholder}"


def from_row(row: Sequence[Any]) -> Snapshot:
    """A snapshot from a row of :data:`COLUMNS`."""
    return Snapshot(
        str(row[0]), int(row[1]), int(row[2]), bytes(row[3]), float(row[4]), int(row[5])
    )


def unwritten_outcome(snap: Snapshot, stored: Sequence[Any] | None) -> SaveOutcome:
    """A snapshot whose compare-and-set wrote nothing: SAVED when the stored row (its
    ``version, seq, state, updated_at, shard``) is this very snapshot (a retry), else
    CONFLICT."""
    if stored is not None and (
        int(stored[0]),
        int(stored[1]),
        bytes(stored[2]),
        float(stored[3]),
        int(stored[4]),
    ) == (snap.version, snap.seq, snap.state, snap.updated_at, snap.shard):
        return SaveOutcome(snap.key, snap.version, SaveStatus.SAVED)
    conflict = SnapshotConflict(snap.key, snap.version, None if stored is None else int(stored[0]))
    return SaveOutcome(snap.key, snap.version, SaveStatus.CONFLICT, conflict=conflict)
