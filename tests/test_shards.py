"""A player's shard is a stable hash of the user id: the same in every process and version."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from yabot.shards import shard_of

ROOT = Path(__file__).resolve().parents[1]


def test_shards_are_stable_across_processes_and_hash_seeds() -> None:
    users = [0, 1, -1, 42, 2**31, 10**9 + 7, 2**63 - 1, -(2**63)]
    here = [shard_of(u, 64) for u in users]
    code = f"from yabot.shards import shard_of; print([shard_of(u, 64) for u in {users!r}])"
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.strip() == repr(here)
    # Fixed values: a change of the function would move every player's durable state.
    assert [shard_of(u, 64) for u in (1, 42, 10**9 + 7)] == [63, 63, 8]


def test_players_spread_over_the_shards() -> None:
    counts = Counter(shard_of(u, 64) for u in range(100_000, 164_000))
    assert set(counts) == set(range(64))
    assert max(counts.values()) < 1.25 * 1000 and min(counts.values()) > 0.75 * 1000


def test_shard_count_must_be_positive() -> None:
    with pytest.raises(ValueError):
        shard_of(1, 0)
