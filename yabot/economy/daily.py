"""The daily reward: once per reward day, with a streak bonus that resets after a missed day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class DailyRule:
    """When reward days start and how much a claim is worth."""

    timezone: str = "UTC"
    reset_hour: int = 0
    base_reward: int = 10
    streak_bonus: int = 5
    streak_cap: int = 7

    def reward_day(self, at: float) -> date:
        """The reward day that the instant ``at`` (a Unix time) belongs to."""
        local = datetime.fromtimestamp(at, ZoneInfo(self.timezone))
        return (local - timedelta(hours=self.reset_hour)).date()

    def next_reset(self, at: float) -> float:
        """The Unix time at which the reward day containing ``at`` ends."""
        day = self.reward_day(at) + timedelta(days=1)
        zone = ZoneInfo(self.timezone)
        start = datetime(day.year, day.month, day.day, self.reset_hour, tzinfo=zone)
        return start.timestamp()


@dataclass(frozen=True)
class DailyClaim:
    """The outcome of a claim: granted with an amount and streak, or refused with time left."""

    granted: bool
    amount: int
    streak: int
    day: str
    seconds_left: int = 0


def claim(rule: DailyRule, last_day: str | None, streak: int, at: float) -> DailyClaim:
    """Decide a daily claim.

    Args:
        rule: The reward rule.
        last_day: ISO date of the player's last claimed reward day, or None.
        streak: The player's streak as of ``last_day``.
        at: The instant of the claim (Unix time, from the update's envelope).

    Returns:
        A granted claim with its amount and new streak, or a refusal with seconds until reset.
    """
    today = rule.reward_day(at)
    if last_day is not None and date.fromisoformat(last_day) >= today:
        return DailyClaim(False, 0, streak, today.isoformat(), int(rule.next_reset(at) - at) + 1)
    consecutive = last_day is not None and date.fromisoformat(last_day) == today - timedelta(days=1)
    new_streak = streak + 1 if consecutive else 1
    bonus = rule.streak_bonus * (min(new_streak, rule.streak_cap) - 1)
    return DailyClaim(True, rule.base_reward + bonus, new_streak, today.isoformat())


def streak_alive(rule: DailyRule, last_day: str | None, at: float) -> bool:
    """Whether a streak ending on ``last_day`` can still be continued at ``at``."""
    if last_day is None:
        return False
    return date.fromisoformat(last_day) >= rule.reward_day(at) - timedelta(days=1)
