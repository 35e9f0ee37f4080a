"""Prometheus counters for the emotion package's limits and rejected input."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

TEXT_TRUNCATED: Final = Counter(
    "yabot_emotion_text_truncated_total",
    "Player messages longer than the analyzed prefix (the rest is not scored).",
)
SIGNALS_REJECTED: Final = Counter(
    "yabot_emotion_signals_rejected_total",
    "Signals refused as invalid (malformed #emo tag, negative response time...).",
    ["reason"],
)
