"""Helpers shared by the narrative tests (imported as a plain module)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from yabot.narrative import NarrativeEngine, Turn
from yabot.narrative.compiler import REPO_ROOT

STORIES_DIR = REPO_ROOT / "stories"
STORY = "diana"

Vars = dict[str, Any]


def signature_vars(lang: str = "en", **overrides: Any) -> Vars:
    """Variables the player's actor writes before every turn (a neutral newcomer)."""
    variables: Vars = {
        "lang": lang,
        "is_vip": False,
        "besitos": 0,
        "resonance": 0.2,
        "mood": "neutral",
        "dominant": "none",
        "arch_explorer": 0.2,
        "arch_direct": 0.2,
        "arch_poet": 0.2,
        "arch_empath": 0.2,
        "arch_persistent": 0.2,
        "inventory": [],
    }
    variables.update(overrides)
    return variables


def step(engine: NarrativeEngine, turn: Turn, variables: Mapping[str, Any], pick: int = 0) -> Turn:
    """Answer a pending question, else take the ``pick``-th visible choice."""
    if turn.ask is not None:
        return engine.answer(turn.story_id, turn.state, variables)
    choice = turn.visible_choices[min(pick, len(turn.visible_choices) - 1)]
    return engine.choose(turn.story_id, turn.state, turn.token, choice.index, variables)


def play_until(
    engine: NarrativeEngine,
    turn: Turn,
    variables: Mapping[str, Any],
    stop: Callable[[Turn], bool],
    limit: int = 200,
) -> list[Turn]:
    """Take first choices (answering questions) until ``stop(turn)``; returns every turn."""
    turns = [turn]
    while not stop(turn):
        assert not turn.ended, f"story ended at scene {turn.scene}"
        assert len(turns) < limit, f"no stop after {limit} turns (scene {turn.scene})"
        turn = step(engine, turn, variables)
        turns.append(turn)
    return turns
