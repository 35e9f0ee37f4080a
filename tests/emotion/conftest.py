"""Fixtures for the emotion tests."""

from __future__ import annotations

import pytest
from emotion_data import read_labelled


@pytest.fixture(params=["es", "en"])
def labelled(request: pytest.FixtureRequest) -> tuple[str, list[tuple[str, str]]]:
    """One language's labelled messages."""
    return request.param, read_labelled(f"labelled_{request.param}")
