"""What every ingress shares: the sink it hands updates to, its refusal and its counters.

Kept apart from the polling loop (and its HTTP client) so that the webhook process, which only
serves the webhook, imports no more than it needs.
"""

from __future__ import annotations

from typing import Any, Protocol

from prometheus_client import Counter

from yabot.observability.logging import get_logger
from yabot.telegram.types import IncomingUpdate

log = get_logger(__name__)

UPDATES_RECEIVED = Counter(
    "yabot_telegram_updates_received_total",
    "Valid updates handed to the sink, by source, kind and outcome (new, duplicate).",
    ["source", "kind", "outcome"],
)
INGRESS_REJECTED = Counter(
    "yabot_telegram_ingress_rejected_total",
    "Webhook requests or polled updates refused, by source and reason.",
    ["source", "reason"],
)


class Overloaded(Exception):
    """Raised by a sink that must refuse work for now (e.g. the outbox disk budget is spent).

    Args:
        reason: A short, loggable reason.
        retry_after_s: When the caller should try again.
    """

    def __init__(self, reason: str, retry_after_s: float = 5.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class UpdateSink(Protocol):
    """Where ingress hands updates; the router implements it."""

    async def accept(self, update: IncomingUpdate) -> bool:
        """Store the update durably before returning.

        Args:
            update: The validated update.

        Returns:
            True when the update is new, False when its ``update_id`` was seen before.

        Raises:
            Overloaded: The update cannot be taken now; Telegram should deliver it later.
        """
        ...


_RECEIVED_CHILDREN: dict[tuple[str, str, bool], Any] = {}  # label lookups cost per update


def count_accepted(source: str, update: IncomingUpdate, is_new: bool) -> None:
    """Count an accepted update (new or duplicate) and log the ones YABOT does not handle."""
    key = (source, update.kind, is_new)
    child = _RECEIVED_CHILDREN.get(key)
    if child is None:
        outcome = "new" if is_new else "duplicate"
        child = _RECEIVED_CHILDREN[key] = UPDATES_RECEIVED.labels(source, update.kind, outcome)
    child.inc()
    if update.kind == "unhandled":
        log.info(
            "update_unhandled",
            source=source,
            update_id=update.update_id,
            update_type=update.update_type,
        )
    elif not is_new:
        log.info("update_duplicate", source=source, update_id=update.update_id)


class HandOver(Protocol):
    """What takes an update that is already durable in the inbox to its player (the router)."""

    def hand_over(self, update: IncomingUpdate, seq: int) -> None:
        """Tell ``update`` (inbox entry ``seq``) to its player's actor."""
        ...
