"""A player's state: what a transition copies and what a snapshot keeps."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json

import pytest

from yabot.emotion import Signature
from yabot.player.state import Economy, Membership, PlayerState, StatePacker, StoryPosition


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


def _mid_story(user_id: int, turns: int) -> PlayerState:
    """A state whose ink save comes from the real engine after ``turns`` story moments."""
    from pathlib import Path

    from yabot.narrative import NarrativeEngine, StoryLibrary

    engine = NarrativeEngine(StoryLibrary(Path(__file__).resolve().parents[2] / "stories"))
    engine.library.load_all()
    variables = {"lang": "en"}
    turn = engine.begin("diana", variables, seed=str(user_id))
    for _ in range(turns):
        if turn.ask:
            turn = engine.answer("diana", turn.state, variables)
        else:
            choice = turn.visible_choices[user_id % len(turn.visible_choices)]
            turn = engine.choose("diana", turn.state, turn.token, choice.index, variables)
    state = rich_state()
    state.user_id = user_id
    state.story.set_ink_json(turn.state)
    state.story.turn, state.story.token = turn.number, turn.token
    return state


def test_a_packed_state_unpacks_equal_and_is_a_fraction_of_its_snapshot() -> None:
    packer = StatePacker()
    fresh = PlayerState(user_id=1)
    assert packer.unpack(packer.pack(fresh)) == fresh  # before any dictionary exists
    states = [_mid_story(user_id, 6) for user_id in range(2, 8)]
    sizes = []
    for state in states:
        packed = packer.pack(state)
        assert packer.unpack(packed) == state
        assert packer.unpack(packed).to_bytes() == state.to_bytes()
        sizes.append(len(packed))
    snapshot = len(states[-1].to_bytes())
    assert max(sizes[1:]) < snapshot / 3, (sizes, snapshot)
    assert packer.unpack(packer.pack(fresh)) == fresh  # with the dictionary


def test_a_packed_state_from_another_packer_is_refused() -> None:
    packed = StatePacker().pack(_mid_story(3, 2))
    with pytest.raises(ValueError, match="not a state packed"):
        StatePacker().unpack(packed)
