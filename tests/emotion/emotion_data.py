"""The labelled message sets under ``tests/emotion/data``."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
LABELS = {"pos": "positive", "neg": "negative", "neu": "neutral"}


def read_labelled(name: str) -> list[tuple[str, str]]:
    """(expected label, message) pairs from ``data/<name>.tsv`` (label, tab, message)."""
    rows: list[tuple[str, str]] = []
    for line in (DATA / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, text = line.split("\t", 1)
        rows.append((LABELS[label], text))
    return rows
