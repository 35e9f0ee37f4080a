"""Fixtures for the emotion tests: the labelled message sets."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
LABELS = {"pos": "positive", "neg": "negative", "neu": "neutral"}


def read_labelled(language: str) -> list[tuple[str, str]]:
    """(expected label, message) pairs from ``data/labelled_<language>.tsv``."""
    rows: list[tuple[str, str]] = []
    for line in (DATA / f"labelled_{language}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, text = line.split("\t", 1)
        rows.append((LABELS[label], text))
    return rows


@pytest.fixture(params=["es", "en"])
def labelled(request: pytest.FixtureRequest) -> tuple[str, list[tuple[str, str]]]:
    """One language's labelled messages."""
    return request.param, read_labelled(request.param)
