"""Event envelopes, the payload registry and the relay's circuit breaker."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from pydantic import ValidationError

from yabot.events.models import (
    EVENT_ID_NAMESPACE,
    PAYLOAD_TYPES,
    BesitosCredited,
    DailyClaimed,
    Event,
    EventPayload,
    UnknownEventType,
    event_id_for,
    make_event,
    register,
)


def test_replayed_events_keep_their_id_and_round_trip() -> None:
    payload = DailyClaimed(day="2026-11-26", streak=3, reward=25)
    first = make_event(payload, user_id=4, correlation_id="c1", idempotency_key="daily:4")
    again = make_event(payload, user_id=4, correlation_id="c1", idempotency_key="daily:4")
    other = make_event(payload, user_id=4)
    assert first.event_id == again.event_id != other.event_id
    decoded = Event.model_validate_json(first.model_dump_json())
    assert decoded == first
    assert decoded.parsed() == payload
    assert (decoded.type, decoded.schema_version) == ("daily.claimed", 1)


@pytest.mark.parametrize("key", ["daily:4", "", "ñandú \U0001f600", "x" * 300])
def test_derived_event_ids_are_the_uuid5_of_type_and_key(key: str) -> None:
    # Ids stored by earlier versions (outbox rows, stream entries) must keep matching.
    expected = uuid.uuid5(EVENT_ID_NAMESPACE, f"daily.claimed\x1f{key}")
    assert event_id_for("daily.claimed", key) == expected
    event = make_event(DailyClaimed(day="d", streak=1, reward=1), user_id=1, idempotency_key=key)
    assert event.event_id == expected
    assert event.event_id.version == 5


def test_invalid_payloads_and_types_are_refused() -> None:
    with pytest.raises(ValidationError):
        BesitosCredited(amount=0, reason="x", balance_after=0)
    with pytest.raises(ValueError, match="timezone"):
        make_event(
            DailyClaimed(day="d", streak=1, reward=1), user_id=1, occurred_at=datetime(2026, 1, 1)
        )
    stray = Event.model_validate(
        {
            "event_id": "6f1d9a4e-2b7c-4d38-9a51-3c0e8b7f2a10",
            "type": "nobody.knows",
            "schema_version": 1,
            "occurred_at": "2026-11-26T00:00:00Z",
        }
    )
    with pytest.raises(UnknownEventType):
        stray.parsed()


def test_registry_refuses_duplicates_and_covers_the_product_events() -> None:
    assert {
        "update.processed",
        "scene.read",
        "choice.made",
        "besitos.credited",
        "besitos.debited",
        "daily.claimed",
        "subscription.activated",
        "subscription.expired",
        "payment.received",
        "payment.refunded",
        "signature.updated",
        "mission.completed",
    } <= set(PAYLOAD_TYPES)
    with pytest.raises(ValueError, match="twice"):

        @register
        class Again(EventPayload):
            event_type = "daily.claimed"
