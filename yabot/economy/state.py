"""The economy's part of a player's state (kept in `yabot.player.state.PlayerState`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Economy:
    """The player's besitos mirror and reward progress (the ledger in SQLite is authoritative)."""

    balance: int = 0
    daily_day: str | None = None
    daily_streak: int = 0
    scenes_counted: int = 0
    missions_done: list[str] = field(default_factory=list)
    recent: list[list[Any]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    # lifetime counters: scenes, choices, daily_claims, purchases
    counts: dict[str, int] = field(default_factory=dict)
    week: str = ""  # ISO week of ``week_counts`` (e.g. "2026-W48")
    week_counts: dict[str, int] = field(default_factory=dict)
