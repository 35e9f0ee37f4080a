"""A transition's replies go through its records transaction: stored with the records or not
at all, sent once however often the update is replayed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.economy.world import T0, World, world_settings
from yabot.i18n import t
from yabot.player.actor import apply_update
from yabot.player.messages import AdjustBesitos
from yabot.storage.records import RecordsUnavailable
from yabot.storage.replies import SYSTEM_REPLY
from yabot.telegram.types import IncomingUpdate, parse_update

USER = 4242


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(world_settings(tmp_path / "data"))
    yield w
    w.close()


def _update(update_id: int, text: str) -> IncomingUpdate:
    body = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(T0),
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "text": text,
        },
    }
    return parse_update(json.dumps(body).encode(), T0)


def _stored(world: World, update_id: int) -> list[str]:
    prefix = f"u{update_id}.{update_id}:"  # seq = update_id in these tests
    return [r.dedupe_key for r in world.replies.pending() if r.dedupe_key.startswith(prefix)]


def test_a_replayed_update_sends_its_replies_once(world: World) -> None:
    world.message(USER, "/start", T0)
    before = world.state(USER)  # the state of the last snapshot, say
    daily = _update(90_001, "/daily")
    sent_before = len(world.sent[USER])
    after = apply_update(world.effects, before, daily, seq=90_001).state
    sent = list(world.sent[USER])
    stored = _stored(world, 90_001)
    assert stored, "the /daily replies are durable"
    assert len(stored) == len(sent) - sent_before, "every reply sent was stored first"

    # The process died before a snapshot covered the update: the next life replays it from
    # the earlier state, with its replies still pending in the outbox.
    again = apply_update(world.effects, before, daily, seq=90_001).state
    assert world.sent[USER] == sent, "the replayed update sent nothing again"
    assert _stored(world, 90_001) == stored, "and stored nothing again"
    assert again.economy.balance == after.economy.balance == world.records.balance(USER)


def test_a_refused_batch_stores_none_of_its_replies_only_the_apology(world: World) -> None:
    world.message(USER, "/start", T0)
    balance = world.records.balance(USER)
    state = world.state(USER)
    state.economy.balance = balance + 1000  # a stale mirror: the store thinks the hint is paid
    world.states[USER] = state
    sent_before = len(world.sent[USER])

    update_id = world.press(USER, "s:hint", T0 + 1)

    assert world.records.balance(USER) == balance, "the debit was refused"
    assert _stored(world, update_id) == [f"u{update_id}.{update_id}:error"]
    new = world.sent[USER][sent_before:]
    assert [r.params.get("text") for r in new] == [t("error", "en")]
    assert world.state(USER).economy.balance == balance, "the mirror was re-read"


def test_replies_of_a_system_transition_are_durable_under_the_system_id(world: World) -> None:
    world.message(USER, "/start", T0)
    result = world.system(USER, AdjustBesitos(7, "gift", "admin", "gift-1", T0 + 2))
    assert result["status"] == "applied"
    system = [r for r in world.replies.pending() if r.update_id == SYSTEM_REPLY]
    assert [r.chat_id for r in system] == [USER]
    sent = len(world.sent[USER])
    # The same request again (an admin retry): recorded once, told once.
    world.system(USER, AdjustBesitos(7, "gift", "admin", "gift-1", T0 + 3))
    assert len(world.sent[USER]) == sent
    assert [r.update_id for r in world.replies.pending()].count(SYSTEM_REPLY) == 1


def test_an_apology_the_store_cannot_take_now_leaves_the_update_for_later(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poison update is consumed with its apology, so an apology that cannot be stored now
    (the records store out of reach) consumes nothing: the update is refused for now (the
    actor holds it and tries again), not a crash of the actor."""
    world.message(USER, "/start", T0)
    state = world.state(USER)

    def poison(*args: Any) -> Any:
        raise RuntimeError("a poison update")

    def unreachable(*args: Any) -> None:
        raise RecordsUnavailable("records database unavailable: OperationalError")

    monkeypatch.setattr(world.logic, "handle", poison)
    monkeypatch.setattr(world.effects, "send", unreachable)
    step = apply_update(world.effects, state, _update(90_002, "/daily"), seq=90_002)
    assert step.refused and step.state is state
    monkeypatch.undo()
    monkeypatch.setattr(world.logic, "handle", poison)
    step = apply_update(world.effects, state, _update(90_002, "/daily"), seq=90_002)
    assert not step.refused and step.state.inbox_seq == 90_002
    assert _stored(world, 90_002) == ["u90002.90002:error"]
