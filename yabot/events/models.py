"""Typed events and the registry of their payloads.

An :class:`Event` is the envelope every consumer sees; its ``payload`` is a plain dict whose
shape is fixed by the payload model registered for ``type``. Adding an event type is one
small class decorated with :func:`register`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

EVENT_ID_NAMESPACE = uuid.UUID("6f1d9a4e-2b7c-4d38-9a51-3c0e8b7f2a10")
_NAMESPACE_BYTES = EVENT_ID_NAMESPACE.bytes


def event_id_for(event_type: str, idempotency_key: str) -> uuid.UUID:
    """The id of the event of ``event_type`` derived from ``idempotency_key``: exactly
    ``uuid.uuid5(EVENT_ID_NAMESPACE, f"{event_type}\x1f{idempotency_key}")``, without the
    import that ``uuid.uuid5`` runs at every call (it halved the cost; events are made on
    every update)."""
    name = f"{event_type}\x1f{idempotency_key}".encode()
    digest = hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()
    return uuid.UUID(bytes=digest[:16], version=5)


class EventPayload(BaseModel):
    """Base of every payload model; subclasses set ``event_type`` and ``schema_version``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1


PayloadT = TypeVar("PayloadT", bound=type[EventPayload])
PAYLOAD_TYPES: dict[str, type[EventPayload]] = {}


class UnknownEventType(KeyError):
    """Raised when an event names a type that has no registered payload model."""


def register(cls: PayloadT) -> PayloadT:
    """Class decorator adding a payload model to :data:`PAYLOAD_TYPES`."""
    if not cls.event_type:
        raise ValueError(f"{cls.__name__} has no event_type")
    if cls.event_type in PAYLOAD_TYPES:
        raise ValueError(f"event type {cls.event_type!r} registered twice")
    PAYLOAD_TYPES[cls.event_type] = cls
    return cls


class Event(BaseModel):
    """The envelope published to Redis and stored in the outbox."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: uuid.UUID
    type: str = Field(min_length=1, max_length=100)
    schema_version: int = Field(ge=1)
    occurred_at: datetime
    correlation_id: str | None = Field(default=None, max_length=200)
    user_id: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    def parsed(self) -> EventPayload:
        """Return the payload as its registered model.

        Raises:
            UnknownEventType: ``type`` has no registered payload model.
            pydantic.ValidationError: The payload does not match the model.
        """
        model = PAYLOAD_TYPES.get(self.type)
        if model is None:
            raise UnknownEventType(self.type)
        return model.model_validate(self.payload)


def make_event(
    payload: EventPayload,
    *,
    user_id: int | None,
    correlation_id: str | None = None,
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Event:
    """Build an event from a registered payload.

    Args:
        payload: A registered payload model instance.
        user_id: The player the event is about (None for system events).
        correlation_id: Carried from the update or request that caused the event.
        occurred_at: When it happened (aware); defaults to now in UTC.
        idempotency_key: When given, the event id is derived from it (uuid5 of type and
            key), so rebuilding the same event on a replay yields the same id and the outbox
            stores it once. Without it the id is random.

    Returns:
        The event envelope.
    """
    kind = type(payload)
    if PAYLOAD_TYPES.get(kind.event_type) is not kind:
        raise UnknownEventType(kind.event_type or kind.__name__)
    if idempotency_key is None:
        event_id = uuid.uuid4()
    else:
        event_id = event_id_for(kind.event_type, idempotency_key)
    when = occurred_at or datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    return Event(
        event_id=event_id,
        type=kind.event_type,
        schema_version=kind.schema_version,
        occurred_at=when,
        correlation_id=correlation_id,
        user_id=user_id,
        payload=payload.model_dump(mode="json"),
    )


@register
class UpdateProcessed(EventPayload):
    """A Telegram update was applied to a player's state."""

    event_type: ClassVar[str] = "update.processed"
    update_id: int
    kind: str


@register
class SceneRead(EventPayload):
    """A player reached a scene (knot) of a story."""

    event_type: ClassVar[str] = "scene.read"
    story: str
    scene: str


@register
class ChoiceMade(EventPayload):
    """A player picked a choice."""

    event_type: ClassVar[str] = "choice.made"
    story: str
    scene: str
    choice_index: int = Field(ge=0)
    tags: list[str] = Field(default_factory=list)


@register
class BesitosCredited(EventPayload):
    """Besitos were added to a player's balance."""

    event_type: ClassVar[str] = "besitos.credited"
    amount: int = Field(gt=0)
    reason: str
    balance_after: int = Field(ge=0)


@register
class BesitosDebited(EventPayload):
    """Besitos were spent or withdrawn."""

    event_type: ClassVar[str] = "besitos.debited"
    amount: int = Field(gt=0)
    reason: str
    balance_after: int = Field(ge=0)


@register
class DailyClaimed(EventPayload):
    """A player claimed the daily reward."""

    event_type: ClassVar[str] = "daily.claimed"
    day: str
    streak: int = Field(ge=1)
    reward: int = Field(ge=0)


@register
class SubscriptionActivated(EventPayload):
    """A subscription tier became active."""

    event_type: ClassVar[str] = "subscription.activated"
    tier: str
    ends_at: float


@register
class SubscriptionExpired(EventPayload):
    """A subscription ended (expiry or refund)."""

    event_type: ClassVar[str] = "subscription.expired"
    tier: str
    reason: str


@register
class PaymentReceived(EventPayload):
    """A successful payment was recorded."""

    event_type: ClassVar[str] = "payment.received"
    charge_id: str
    amount: int = Field(ge=0)
    currency: str


@register
class PaymentRefunded(EventPayload):
    """A payment was refunded."""

    event_type: ClassVar[str] = "payment.refunded"
    charge_id: str
    amount: int = Field(ge=0)
    currency: str


@register
class SignatureUpdated(EventPayload):
    """A player's emotional signature changed."""

    event_type: ClassVar[str] = "signature.updated"
    archetype: str | None = None
    scores: dict[str, float] = Field(default_factory=dict)


@register
class MissionCompleted(EventPayload):
    """A mission or achievement was completed and rewarded."""

    event_type: ClassVar[str] = "mission.completed"
    mission: str
    reward: int = Field(ge=0)
