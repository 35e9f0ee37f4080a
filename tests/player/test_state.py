"""A player's state: what a transition copies and what a snapshot keeps."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json

from yabot.emotion import Signature
from yabot.player.state import Economy, Membership, PlayerState, StoryPosition


def rich_state() -> PlayerState:
    return PlayerState(
        user_id=7,
        language="es",
        story=StoryPosition(
            story_id="diana", state=b"\x01\x02", choices_tags=[[0, ["calm"]], [1, ["bold"]]]
        ),
        signature=Signature(),
        economy=Economy(
            balance=30,
            missions_done=["m1"],
            recent=[[10, "daily", 1.0]],
            items=["key"],
            counts={"scenes": 3},
            week_counts={"choices": 2},
        ),
        membership=Membership(tier="vip", reminded=[3], charges=[["c1", 100, "vip", False]]),
    )


def test_a_clone_shares_nothing_a_transition_can_change() -> None:
    original = rich_state()
    before = copy.deepcopy(original)
    twin = original.clone()
    assert twin == original
    twin.story.choices_tags[0][1].append("shy")
    twin.story.choices_tags.append([2, []])
    twin.economy.missions_done.append("m2")
    twin.economy.recent[0][0] = 99
    twin.economy.items.append("lamp")
    twin.economy.counts["scenes"] = 4
    twin.economy.week_counts["new"] = 1
    twin.membership.reminded.append(1)
    twin.membership.charges[0][3] = True
    twin.economy.balance = 0
    twin.story.turn = 5
    assert original == before


def test_a_clone_round_trips_through_a_snapshot_like_the_original() -> None:
    original = rich_state()
    assert PlayerState.from_bytes(original.clone().to_bytes()) == original


def test_a_snapshot_holds_every_field_as_the_dataclass_defines_it() -> None:
    state = rich_state()
    data = json.loads(state.to_bytes())
    expected = dataclasses.asdict(state)
    expected["signature"] = state.signature.to_dict()
    expected["story"]["state"] = base64.b64encode(state.story.state).decode("ascii")
    expected["schema"] = 2
    assert data == json.loads(json.dumps(expected))
    assert list(data) == [*(f.name for f in dataclasses.fields(PlayerState)), "schema"]


def test_a_snapshot_written_with_schema_1_base85_still_loads() -> None:
    original = rich_state()
    data = json.loads(original.to_bytes())
    assert data["schema"] == 2
    assert base64.b64decode(data["story"]["state"]) == b"\x01\x02"
    data["schema"] = 1
    data["story"]["state"] = base64.b85encode(b"\x01\x02").decode("ascii")
    assert PlayerState.from_bytes(json.dumps(data).encode()) == original


def test_states_loaded_from_snapshots_keep_shared_values_once() -> None:
    # 100,000 resident players: a per-state copy of "diana", "es" or "vip" is memory for nothing.
    raw = rich_state().to_bytes()
    first, second = PlayerState.from_bytes(raw), PlayerState.from_bytes(raw)
    assert first == second
    assert first.language is second.language
    assert first.story.story_id is second.story.story_id
    assert first.membership.tier is second.membership.tier


def test_a_state_and_its_parts_carry_no_per_instance_dict() -> None:
    state = rich_state().clone()
    for part in (state, state.story, state.economy, state.membership):
        assert not hasattr(part, "__dict__"), type(part).__name__
