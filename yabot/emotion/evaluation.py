"""Polarity accuracy of :func:`~yabot.emotion.affect.analyze` on labelled JSONL message sets.

The untuned evaluation set (``tests/emotion/data/eval_*.jsonl``) is read here, never tuned on:
see ``tests/emotion/data/EVAL.md``. Run it with ``scripts/bench-emotion --eval``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from yabot.emotion.affect import analyze
from yabot.emotion.language import detect_language
from yabot.emotion.lexicon import Language

DATA: Final = Path(__file__).resolve().parents[2] / "tests" / "emotion" / "data"
POLARITIES: Final = ("positive", "negative", "neutral")


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled message."""

    text: str
    language: Language
    polarity: str
    tags: tuple[str, ...] = ()
    variety: str | None = None
    emotion: str | None = None


@dataclass(slots=True)
class Tally:
    """Hits out of a count."""

    hits: int = 0
    count: int = 0

    def add(self, hit: bool) -> None:
        self.count += 1
        self.hits += hit

    @property
    def accuracy(self) -> float:
        return self.hits / self.count if self.count else 0.0


@dataclass(slots=True)
class Report:
    """Accuracy of one language's set, overall and per group (polarity, tag, variety)."""

    overall: Tally = field(default_factory=Tally)
    groups: dict[str, Tally] = field(default_factory=dict)
    language: Tally = field(default_factory=Tally)
    emotion: Tally = field(default_factory=Tally)
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, groups: Iterable[str], hit: bool) -> None:
        self.overall.add(hit)
        for group in groups:
            self.groups.setdefault(group, Tally()).add(hit)

    def as_dict(self) -> dict[str, Any]:
        """Rounded accuracies and counts, JSON-safe."""
        return {
            "messages": self.overall.count,
            "accuracy": round(self.overall.accuracy, 3),
            "language_accuracy": round(self.language.accuracy, 3),
            "emotion_accuracy": {
                "n": self.emotion.count,
                "accuracy": round(self.emotion.accuracy, 3),
            },
            **{
                name: {"n": tally.count, "accuracy": round(tally.accuracy, 3)}
                for name, tally in sorted(self.groups.items())
            },
        }


def read_jsonl(path: Path) -> list[Labelled]:
    """The labelled messages of one JSONL file (see ``tests/emotion/data/EVAL.md``)."""
    rows: list[Labelled] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        data: Mapping[str, Any] = json.loads(line)
        rows.append(
            Labelled(
                text=data["text"],
                language=data["lang"],
                polarity=data["polarity"],
                tags=tuple(data.get("tags", ())),
                variety=data.get("variety"),
                emotion=data.get("emotion"),
            )
        )
    return rows


def evaluate(rows: Iterable[Labelled]) -> Report:
    """Score every message with the player's language as the hint and tally the hits.

    Also tallies the language detector without a hint (emoji-only messages left out) and the
    dominant emotion where the set names one.
    """
    report = Report()
    for row in rows:
        affect = analyze(row.text, hint=row.language)
        label = affect.label
        hit = label == row.polarity
        if "emoji_only" not in row.tags:
            report.language.add(detect_language(row.text) == row.language)
        if row.emotion:
            report.emotion.add(affect.emotion == row.emotion)
        groups = [f"polarity:{row.polarity}", "hard" if row.tags else "plain"]
        groups += [f"tag:{tag}" for tag in row.tags]
        if row.variety:
            groups.append(f"variety:{row.variety}")
        report.add(groups, hit)
        if not hit:
            report.misses.append((row.polarity, label, row.text))
    return report


def evaluate_sets(prefix: str = "eval") -> dict[Language, Report]:
    """Reports for ``<prefix>_es.jsonl`` and ``<prefix>_en.jsonl`` under ``tests/emotion/data``."""
    return {
        language: evaluate(read_jsonl(DATA / f"{prefix}_{language}.jsonl"))
        for language in ("es", "en")
    }
