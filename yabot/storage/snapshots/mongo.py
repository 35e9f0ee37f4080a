"""Snapshots in MongoDB (pymongo): the production store, one ``bulk_write`` per group commit.

A document is ``{_id: key, v: version, u: seq, s: state, t: updated_at, h: shard, w: tag}``.
Compare-and-set is in the filter: version ``v`` replaces ``{_id: key, v: v - 1}`` with an
upsert, so a stale version collides with the existing ``_id`` (duplicate key) and changes
nothing; version 1 is a plain insert. ``w`` fingerprints the snapshot so that retrying a batch
whose reply was lost recognises its own writes as saved instead of as conflicts.

Cluster mode (a :class:`LeaseSource` given): a snapshot carries its shard's lease epoch as
``e``, and an update also requires the stored ``e`` not to be above it. A member paused past
its lease wakes up with a stale epoch: once the shard's new owner has stored a snapshot of a
key (with its higher epoch), the stale write of that key matches nothing and is FENCED. A
snapshot of a shard this instance holds no lease on is FENCED before anything is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bson import Binary
from pymongo import InsertOne, MongoClient, UpdateOne, WriteConcern
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, ConfigurationError, OperationFailure, PyMongoError

from yabot.config import StorageSettings
from yabot.storage.lease_source import LeaseSource
from yabot.storage.snapshots.base import (
    SaveOutcome,
    SaveStatus,
    Snapshot,
    SnapshotConflict,
    SnapshotStoreError,
    split_valid,
)
from yabot.storage.snapshots.metrics import SNAPSHOT_REJECTED

DUPLICATE_KEY = 11000


def _tag(snap: Snapshot) -> str:
    digest = hashlib.blake2b(snap.state, digest_size=8).hexdigest()
    return f"{snap.version}:{snap.seq}:{snap.updated_at!r}:{digest}"


def _document(snap: Snapshot, epoch: int | None) -> dict[str, Any]:
    doc = {
        "v": snap.version,
        "u": snap.seq,
        "s": Binary(snap.state),
        "t": snap.updated_at,
        "h": snap.shard,
        "w": _tag(snap),
    }
    if epoch is not None:
        doc["e"] = epoch
    return doc


def _count_fenced(count: int) -> None:
    if count:
        from yabot.storage.postgres.fencing import FENCED  # cluster mode: psycopg is there

        FENCED.labels(STORE).inc(count)


STORE = "snapshots"


class MongoSnapshotStore:
    """A :class:`~yabot.storage.snapshots.base.SnapshotStore` in a MongoDB collection."""

    def __init__(
        self,
        uri: str,
        *,
        database: str = "yabot",
        collection: str = "snapshots",
        pool_size: int = 50,
        timeout_ms: int = 2000,
        tls: bool = False,
        tls_ca_file: Path | None = None,
        leases: LeaseSource | None = None,
    ) -> None:
        self._leases = leases
        options: dict[str, Any] = {
            "maxPoolSize": pool_size,
            "timeoutMS": timeout_ms,
            "serverSelectionTimeoutMS": timeout_ms,
            "connectTimeoutMS": timeout_ms,
            "appname": "yabot",
        }
        if tls:
            options["tls"] = True
            if tls_ca_file is not None:
                options["tlsCAFile"] = str(tls_ca_file)
        try:
            self._client: MongoClient[dict[str, Any]] = MongoClient(uri, **options)
        except (PyMongoError, ValueError) as exc:  # the message never repeats the URI
            raise ValueError(f"storage.mongodb_uri is not usable: {exc}") from None
        db = self._client.get_database(database, write_concern=WriteConcern(w="majority", j=True))
        self._col: Collection[dict[str, Any]] = db[collection]

    @classmethod
    def from_settings(
        cls, settings: StorageSettings, leases: LeaseSource | None = None
    ) -> MongoSnapshotStore:
        """Build from ``[storage]`` settings (``mongodb_uri`` must be set)."""
        if not settings.mongodb_uri:
            raise ValueError("storage.mongodb_uri is not set")
        return cls(
            settings.mongodb_uri,
            database=settings.mongodb_database,
            pool_size=settings.mongodb_pool_size,
            timeout_ms=settings.mongodb_timeout_ms,
            tls=settings.mongodb_tls,
            tls_ca_file=settings.mongodb_tls_ca_file,
            leases=leases,
        )

    def load(self, key: str) -> Snapshot | None:
        """Return the stored snapshot of ``key``, or None."""
        try:
            doc = self._col.find_one({"_id": key})
        except PyMongoError as exc:
            raise SnapshotStoreError(f"MongoDB snapshot load failed: {exc}") from exc
        if doc is None:
            return None
        return Snapshot(key, doc["v"], doc["u"], bytes(doc["s"]), doc["t"], doc.get("h", 0))

    def save_many(self, snapshots: Sequence[Snapshot]) -> list[SaveOutcome]:
        """Store the snapshots with one unordered ``bulk_write``, each with compare-and-set."""
        valid, outcomes = split_valid(snapshots)
        SNAPSHOT_REJECTED.inc(len(outcomes))
        epochs: dict[str, int] = {}
        if self._leases is not None:
            valid = self._held(snapshots, valid, outcomes, epochs)
        if not valid:
            return [outcomes[i] for i in range(len(snapshots))]
        ops: list[InsertOne[dict[str, Any]] | UpdateOne] = []
        for index in valid:
            snap = snapshots[index]
            epoch = epochs.get(snap.key)
            if snap.version == 1:
                ops.append(InsertOne({"_id": snap.key, **_document(snap, epoch)}))
            else:
                where: dict[str, Any] = {"_id": snap.key, "v": snap.version - 1}
                if epoch is not None:
                    where["e"] = {"$not": {"$gt": epoch}}  # also matches documents without e
                ops.append(UpdateOne(where, {"$set": _document(snap, epoch)}, upsert=True))
        errors: dict[int, dict[str, Any]] = {}
        upserted: set[int] = set()
        try:
            result = self._col.bulk_write(ops, ordered=False)
            upserted = set(result.upserted_ids or {})
        except BulkWriteError as exc:
            if exc.details.get("writeConcernErrors"):
                raise SnapshotStoreError(f"MongoDB write concern failed: {exc}") from exc
            errors = {e["index"]: e for e in exc.details.get("writeErrors", [])}
            upserted = {u["index"] for u in exc.details.get("upserted", [])}
        except PyMongoError as exc:
            raise SnapshotStoreError(f"MongoDB snapshot save failed: {exc}") from exc
        refused: list[Snapshot] = []
        resurrected: set[str] = set()
        for op_index, index in enumerate(valid):
            snap = snapshots[index]
            error = errors.get(op_index)
            if error is not None and error.get("code") != DUPLICATE_KEY:
                SNAPSHOT_REJECTED.inc()
                outcomes[index] = SaveOutcome(
                    snap.key, snap.version, SaveStatus.REJECTED, error=str(error.get("errmsg"))
                )
            elif error is not None:
                refused.append(snap)
            elif op_index in upserted:  # version > 1 written where the key was absent
                refused.append(snap)
                resurrected.add(snap.key)
            else:
                outcomes[index] = SaveOutcome(snap.key, snap.version, SaveStatus.SAVED)
        if refused:
            resolved = self._resolve_refused(refused, resurrected, epochs)
            for index in valid:
                outcome = resolved.get(snapshots[index].key)
                if outcome is not None:
                    outcomes[index] = outcome
        return [outcomes[i] for i in range(len(snapshots))]

    def _held(
        self,
        snapshots: Sequence[Snapshot],
        valid: list[int],
        outcomes: dict[int, SaveOutcome],
        epochs: dict[str, int],
    ) -> list[int]:
        """The snapshots of shards we hold a lease on (their epochs in ``epochs``); the others
        are FENCED."""
        assert self._leases is not None
        held: list[int] = []
        for index in valid:
            snap = snapshots[index]
            lease = self._leases.lease(snap.shard)
            if lease is None or (snap.epoch is not None and snap.epoch != lease.epoch):
                # (Not ours, or the actor's state was loaded under an earlier ownership.)
                outcomes[index] = SaveOutcome(snap.key, snap.version, SaveStatus.FENCED)
            else:
                epochs[snap.key] = lease.epoch
                held.append(index)
        _count_fenced(len(valid) - len(held))
        return held

    def _resolve_refused(
        self, refused: list[Snapshot], resurrected: set[str], epochs: dict[str, int]
    ) -> dict[str, SaveOutcome]:
        """Undo upserts of absent keys, then tell our own earlier writes from real conflicts."""
        try:
            for snap in refused:
                if snap.key in resurrected:
                    self._col.delete_one({"_id": snap.key, "w": _tag(snap)})
            stored = {
                doc["_id"]: doc
                for doc in self._col.find(
                    {"_id": {"$in": [s.key for s in refused]}}, {"v": 1, "w": 1, "e": 1}
                )
            }
        except PyMongoError as exc:
            raise SnapshotStoreError(f"MongoDB snapshot save failed: {exc}") from exc
        resolved: dict[str, SaveOutcome] = {}
        fenced = 0
        for snap in refused:
            doc = stored.get(snap.key)
            if doc is not None and doc.get("w") == _tag(snap) and snap.key not in resurrected:
                resolved[snap.key] = SaveOutcome(snap.key, snap.version, SaveStatus.SAVED)
                continue
            epoch = epochs.get(snap.key)
            if doc is not None and epoch is not None and doc.get("e", 0) > epoch:
                fenced += 1
                resolved[snap.key] = SaveOutcome(snap.key, snap.version, SaveStatus.FENCED)
                continue
            conflict = SnapshotConflict(snap.key, snap.version, None if doc is None else doc["v"])
            resolved[snap.key] = SaveOutcome(
                snap.key, snap.version, SaveStatus.CONFLICT, conflict=conflict
            )
        _count_fenced(fenced)
        return resolved

    def export_documents(self) -> tuple[Iterator[dict[str, Any]], bool]:
        """Every stored document, in ``_id`` order, for a backup.

        Read in a snapshot session (one point in time) when the server offers one; else by a
        plain scan, where each document is still one whole snapshot written atomically.

        Returns:
            The documents, and whether they come from one snapshot session.

        Raises:
            SnapshotStoreError: The server cannot be read.
        """
        try:
            session = self._client.start_session(snapshot=True)
            try:
                cursor = self._col.find({}, session=session, sort=[("_id", 1)], batch_size=1000)
                first = next(cursor, None)
            except (OperationFailure, ConfigurationError):
                session.end_session()
            else:
                return _with_session(first, cursor, session), True
            cursor = self._col.find({}, sort=[("_id", 1)], batch_size=1000)
            return _guarded(cursor), False
        except PyMongoError as exc:
            raise SnapshotStoreError(f"MongoDB snapshot export failed: {exc}") from exc

    def replace_documents(self, documents: Iterable[dict[str, Any]], batch: int = 1000) -> int:
        """Replace the whole collection with ``documents`` (a restore); returns how many.

        Raises:
            SnapshotStoreError: The server failed; the collection may be partly written.
        """
        written = 0
        try:
            self._col.delete_many({})
            chunk: list[dict[str, Any]] = []
            for doc in documents:
                chunk.append(doc)
                if len(chunk) >= batch:
                    self._col.insert_many(chunk, ordered=False)
                    written += len(chunk)
                    chunk = []
            if chunk:
                self._col.insert_many(chunk, ordered=False)
                written += len(chunk)
        except PyMongoError as exc:
            raise SnapshotStoreError(f"MongoDB snapshot restore failed: {exc}") from exc
        return written

    def count(self) -> int:
        """How many snapshots are stored."""
        try:
            return int(self._col.count_documents({}))
        except PyMongoError as exc:
            raise SnapshotStoreError(f"MongoDB snapshot count failed: {exc}") from exc

    def delete(self, key: str) -> None:
        """Remove the snapshot of ``key`` if any."""
        try:
            self._col.delete_one({"_id": key})
        except PyMongoError as exc:
            raise SnapshotStoreError(f"MongoDB snapshot delete failed: {exc}") from exc

    def ping(self) -> bool:
        """Return True when the server answers a ``ping``."""
        try:
            self._client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    def close(self) -> None:
        """Close the client and its pool."""
        self._client.close()


def _with_session(
    first: dict[str, Any] | None, cursor: Iterator[dict[str, Any]], session: Any
) -> Iterator[dict[str, Any]]:
    try:
        if first is not None:
            yield first
        yield from _guarded(cursor)
    finally:
        session.end_session()


def _guarded(cursor: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    try:
        yield from cursor
    except PyMongoError as exc:
        raise SnapshotStoreError(f"MongoDB snapshot export failed: {exc}") from exc
