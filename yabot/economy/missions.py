"""Missions and achievements from config, evaluated from the player's own transitions.

Counters (scenes, choices, daily claims, purchases) grow as the player acts; reached values
(streak, chapter, dominant archetype) are read from the state. A weekly set of missions is
drawn from the weekly pool deterministically from the ISO week of the reward day, so every
replay and every process agrees on it. A completed mission is remembered in
``economy.missions_done`` (``id`` for achievements, ``id@week`` for weekly ones) and its
reward is credited once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from prometheus_client import Counter

from yabot.config import MissionSpec
from yabot.economy.daily import DailyRule
from yabot.events.models import MissionCompleted
from yabot.i18n import t as tx
from yabot.player.outcome import Txn
from yabot.player.state import Economy, PlayerState

MISSIONS_COMPLETED = Counter(
    "yabot_missions_completed_total", "Missions and achievements completed", ["mission"]
)
COUNTED = ("scenes", "choices", "daily_claims", "purchases")


def week_of(rule: DailyRule, at: float) -> str:
    """The ISO week (e.g. ``2026-W48``) of the reward day containing ``at``."""
    iso = rule.reward_day(at).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


class Missions:
    """The configured missions and the rule that tells weeks apart."""

    def __init__(self, specs: Sequence[MissionSpec], weekly_count: int, rule: DailyRule) -> None:
        self.achievements = [m for m in specs if not m.weekly]
        self.pool = sorted((m for m in specs if m.weekly), key=lambda m: m.id)
        self.weekly_count = min(weekly_count, len(self.pool))
        self.rule = rule
        self._draws: dict[str, list[MissionSpec]] = {}

    def weekly(self, week: str) -> list[MissionSpec]:
        """The missions of ``week`` (a deterministic draw from the weekly pool)."""
        drawn = self._draws.get(week)
        if drawn is None:
            drawn = random.Random(f"missions:{week}").sample(self.pool, self.weekly_count)
            if len(self._draws) >= 16:  # a few weeks are live at once (time zones, replays)
                self._draws.clear()
            self._draws[week] = drawn
        return list(drawn)

    def roll_week(self, eco: Economy, at: float) -> None:
        """Start a new week's counters when ``at`` is in another week than the stored one."""
        week = week_of(self.rule, at)
        if eco.week != week:
            eco.week = week
            eco.week_counts = {}

    def bump(self, eco: Economy, counter: str, at: float, by: int = 1) -> None:
        """Count ``by`` more of ``counter`` for the lifetime and this week."""
        self.roll_week(eco, at)
        eco.counts[counter] = eco.counts.get(counter, 0) + by
        eco.week_counts[counter] = eco.week_counts.get(counter, 0) + by

    def progress(self, state: PlayerState, mission: MissionSpec) -> tuple[int, int]:
        """``(value, target)`` of a mission for ``state`` (archetype: 1 when reached)."""
        eco = state.economy
        if mission.kind == "archetype":
            return int(state.signature.dominant() == mission.archetype), 1
        if mission.kind == "daily_streak":
            return eco.daily_streak, mission.target
        if mission.kind == "chapter":
            return state.story.chapter, mission.target
        counts = eco.week_counts if mission.weekly else eco.counts
        return counts.get(mission.kind, 0), mission.target

    def evaluate(self, txn: Txn) -> None:
        """Credit every mission that is complete now and was not before; tell the player."""
        state = txn.state
        eco = state.economy
        self.roll_week(eco, txn.now)
        candidates = [(m, m.id) for m in self.achievements]
        candidates += [(m, f"{m.id}@{eco.week}") for m in self.weekly(eco.week)]
        for mission, done_key in candidates:
            if done_key in eco.missions_done:
                continue
            value, target = self.progress(state, mission)
            if value < target:
                continue
            eco.missions_done.append(done_key)
            title = mission.title_es if txn.lang == "es" else mission.title_en
            txn.credit(mission.reward, f"mission: {mission.id}")
            txn.event(MissionCompleted(mission=done_key, reward=mission.reward))
            txn.say(
                tx(
                    "mission_done",
                    txn.lang,
                    title=title,
                    reward=mission.reward,
                    balance=eco.balance,
                )
            )
            MISSIONS_COMPLETED.labels(mission.id).inc()

    def describe(self, state: PlayerState, at: float) -> str:
        """The ``/missions`` text: achievements and this week's missions with progress."""
        lang = state.language
        week = week_of(self.rule, at)
        if not self.achievements and not self.pool:
            return tx("missions_none", lang)
        lines: list[str] = []
        if self.achievements:
            lines.append(tx("missions_title", lang))
            lines += [self._line(state, m, m.id) for m in self.achievements]
        weekly = self.weekly(week)
        if weekly:
            lines.append(tx("missions_week", lang, week=week))
            lines += [self._line(state, m, f"{m.id}@{week}", week) for m in weekly]
        return "\n".join(lines)

    def _line(
        self, state: PlayerState, mission: MissionSpec, done_key: str, week: str | None = None
    ) -> str:
        title = mission.title_es if state.language == "es" else mission.title_en
        if done_key in state.economy.missions_done:
            return f"✅ {title} (+{mission.reward})"
        value, target = self.progress(state, mission)
        if week is not None and state.economy.week != week and mission.kind in COUNTED:
            value = 0
        return f"▫️ {title} · {min(value, target)}/{target} (+{mission.reward})"
