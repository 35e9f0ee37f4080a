"""Prometheus metrics of the narrative engine."""

from __future__ import annotations

from prometheus_client import Counter

TURNS = Counter("yabot_narrative_turns_total", "Story turns played, by kind", ["story", "kind"])
REJECTED = Counter(
    "yabot_narrative_rejected_total",
    "Story actions refused (stale press, invalid choice, no question pending, runtime error)",
    ["story", "reason"],
)
MIGRATIONS = Counter(
    "yabot_narrative_migrations_total",
    "Player states moved to a newer story version, by outcome (replayed or chapter_restart)",
    ["story", "outcome"],
)
STORY_LOADS = Counter(
    "yabot_narrative_story_loads_total",
    "Compiled stories loaded or refused, by outcome",
    ["story", "outcome"],
)
BAD_TAGS = Counter(
    "yabot_narrative_bad_tags_total",
    "Effect tags that could not be parsed (a story bug), by tag kind",
    ["kind"],
)
