"""``EventConsumer``: at-least-once reading of the event stream, deduplicated by event_id.

A consumer belongs to a consumer group. It first re-reads its own unacknowledged entries
(left by a crash), then new ones. An event whose id was already handled by the group is
acknowledged and skipped. Handled ids are remembered in Redis (``SET ... EX``, shared by the
group and surviving a consumer restart) and in a bounded local memory. Entries that are not
valid events go to ``<stream>:dead`` and are acknowledged, never silently dropped.

Deduplication removes the relay's re-sends; a consumer that crashes after its handler ran
but before ``ack`` still gets that event again, so handlers should be idempotent (keyed
ledger entries and job runs are).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from pydantic import ValidationError

from yabot.config import Settings
from yabot.events import metrics
from yabot.events.models import Event
from yabot.events.redis_client import redis_from_url
from yabot.observability.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One stream entry carrying an event."""

    entry_id: str
    event: Event


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class EventConsumer:
    """Reads a consumer group of the event stream.

    Args:
        client: A ``redis.Redis`` client.
        stream: The stream key.
        group: Consumer group name (one per kind of consumer, e.g. ``missions``).
        consumer: This consumer's name inside the group.
        dedupe_ttl_s: How long handled event ids are remembered in Redis (about 100 bytes
            per event per group): it must outlast the longest Redis outage, since a batch the
            relay published just before losing Redis is published again when it returns.
        local_memory: How many handled ids are also kept in memory.
    """

    def __init__(
        self,
        client: Any,
        *,
        stream: str,
        group: str,
        consumer: str,
        dedupe_ttl_s: int = 86_400,
        local_memory: int = 100_000,
    ) -> None:
        self._client = client
        self._stream = stream
        self._group = group
        self._consumer = consumer
        self._ttl = dedupe_ttl_s
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._memory = local_memory
        self._recovering = True

    @classmethod
    def from_settings(cls, settings: Settings, *, group: str, consumer: str) -> EventConsumer:
        """A consumer of ``events.stream`` on ``events.redis_url`` (which must be set)."""
        url = settings.events.redis_url
        if not url:
            raise ValueError("events.redis_url is not set: events stay in the local outbox")
        client = redis_from_url(url, tls_ca_file=settings.events.redis_tls_ca_file)
        return cls(client, stream=settings.events.stream, group=group, consumer=consumer)

    def ensure_group(self) -> None:
        """Create the group (and the stream) if missing; new groups start at the beginning."""
        try:
            self._client.xgroup_create(self._stream, self._group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _seen_key(self, event_id: str) -> str:
        return f"{self._stream}:seen:{self._group}:{event_id}"

    def poll(self, count: int = 100, block_ms: int = 1000) -> list[Delivery]:
        """Return up to ``count`` events not yet handled by the group, in stream order.

        Entries left unacknowledged by an earlier run of this consumer come first. Events
        the group already handled are acknowledged and left out. Returns ``[]`` only when
        nothing arrived within ``block_ms``. Handle each event, then call :meth:`ack`.
        """
        while True:
            entries = self._read(count, block_ms)
            if entries is None:
                return []
            deliveries, skip = self._decode(entries)
            if skip:
                self._client.xack(self._stream, self._group, *skip)
            fresh = self._drop_seen(deliveries)
            if fresh or not entries:
                return fresh

    def _read(self, count: int, block_ms: int) -> list[Any] | None:
        """Read this consumer's pending entries, else new ones; None when none arrived."""
        try:
            if self._recovering:
                reply = self._client.xreadgroup(
                    self._group, self._consumer, {self._stream: "0"}, count=count
                )
                entries = reply[0][1] if reply else []
                if entries:
                    return list(entries)
                self._recovering = False
            reply = self._client.xreadgroup(
                self._group, self._consumer, {self._stream: ">"}, count=count, block=block_ms
            )
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self.ensure_group()
            return None
        entries = reply[0][1] if reply else []
        return list(entries) or None

    def _decode(self, entries: list[Any]) -> tuple[list[Delivery], list[str]]:
        deliveries: list[Delivery] = []
        skip: list[str] = []
        for raw_id, fields in entries:
            entry_id = _text(raw_id)
            if not fields:
                skip.append(entry_id)
                continue
            body = fields.get(b"body", fields.get("body"))
            try:
                event = Event.model_validate_json(body or b"")
            except ValidationError as exc:
                self._client.xadd(
                    f"{self._stream}:dead",
                    {"entry_id": entry_id, "error": str(exc)[:500], "body": body or b""},
                )
                log.error(
                    "event_undecodable", stream=self._stream, entry_id=entry_id, group=self._group
                )
                skip.append(entry_id)
                continue
            deliveries.append(Delivery(entry_id, event))
        return deliveries, skip

    def _drop_seen(self, deliveries: list[Delivery]) -> list[Delivery]:
        if not deliveries:
            return []
        ids = [str(d.event.event_id) for d in deliveries]
        remote = self._client.mget([self._seen_key(i) for i in ids])
        fresh: list[Delivery] = []
        duplicate_entries: list[str] = []
        known_only_here: list[str] = []
        batch_ids: set[str] = set()
        for delivery, event_id, stored in zip(deliveries, ids, remote, strict=True):
            if stored is None and event_id in self._seen:
                known_only_here.append(event_id)
            if event_id in self._seen or stored is not None or event_id in batch_ids:
                duplicate_entries.append(delivery.entry_id)
            else:
                batch_ids.add(event_id)
                fresh.append(delivery)
        if duplicate_entries:
            metrics.CONSUMER_DUPLICATES.labels(self._group).inc(len(duplicate_entries))
            self._remember_and_ack(known_only_here, duplicate_entries)
        return fresh

    def _remember_and_ack(self, event_ids: list[str], entry_ids: list[str]) -> None:
        """Mark ``event_ids`` handled for the whole group and acknowledge ``entry_ids``."""
        pipe = self._client.pipeline(transaction=True)
        for event_id in event_ids:
            pipe.set(self._seen_key(event_id), b"1", ex=self._ttl)
        pipe.xack(self._stream, self._group, *entry_ids)
        pipe.execute()

    def ack(self, deliveries: list[Delivery]) -> None:
        """Record the events as handled by the group and acknowledge their entries.

        They are remembered locally first: if Redis is lost before the acknowledgement
        lands, the entries stay pending, and when Redis is back they (and the relay's
        re-sends of them) are recognised and acknowledged instead of handled again.
        """
        if not deliveries:
            return
        event_ids = [str(d.event.event_id) for d in deliveries]
        for event_id in event_ids:
            self._seen[event_id] = None
        while len(self._seen) > self._memory:
            self._seen.popitem(last=False)
        try:
            self._remember_and_ack(event_ids, [d.entry_id for d in deliveries])
        except redis.RedisError:
            self._recovering = True
            raise

    def process(
        self, handler: Callable[[Event], None], count: int = 100, block_ms: int = 1000
    ) -> int:
        """Poll once, call ``handler`` for each new event in order, ack them; returns how many.

        If ``handler`` raises, the events handled before it are acked and the rest stay
        pending for this consumer (they come back on the next poll after a restart).
        """
        deliveries = self.poll(count, block_ms)
        done: list[Delivery] = []
        try:
            for delivery in deliveries:
                handler(delivery.event)
                done.append(delivery)
        finally:
            self.ack(done)
            if len(done) < len(deliveries):
                self._recovering = True
        return len(done)

    def claim_stale(self, min_idle_ms: int, count: int = 100) -> list[Delivery]:
        """Take over entries other consumers of the group left unacknowledged for
        ``min_idle_ms`` (e.g. a consumer that died for good); returns the new ones to handle
        (then :meth:`ack` them)."""
        try:
            reply = self._client.xautoclaim(
                self._stream, self._group, self._consumer, min_idle_ms, "0-0", count=count
            )
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self.ensure_group()
            return []
        entries = [entry for entry in reply[1] if entry[1]]
        deliveries, skip = self._decode(entries)
        if skip:
            self._client.xack(self._stream, self._group, *skip)
        return self._drop_seen(deliveries)

    def run(
        self,
        handler: Callable[[Event], None],
        stop: threading.Event,
        *,
        retry_s: float = 0.5,
        block_ms: int = 500,
        claim_idle_ms: int = 60_000,
    ) -> None:
        """Process until ``stop`` is set, riding out Redis outages (retries every ``retry_s``).

        About every ``claim_idle_ms`` it also takes over entries other consumers of the group
        left unacknowledged that long. A handler exception stops the loop (the event stays
        pending and comes back on the next start).
        """
        next_claim = time.monotonic() + claim_idle_ms / 1000
        while not stop.is_set():
            try:
                if time.monotonic() >= next_claim:
                    next_claim = time.monotonic() + claim_idle_ms / 1000
                    claimed = self.claim_stale(claim_idle_ms)
                    for delivery in claimed:
                        handler(delivery.event)
                        self.ack([delivery])
                self.process(handler, block_ms=block_ms)
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                log.warning(
                    "event_consumer_redis_unavailable", group=self._group, error=type(exc).__name__
                )
                self._recovering = True
                stop.wait(retry_s)
