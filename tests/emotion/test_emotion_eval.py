"""The untuned evaluation set: its shape, and the polarity accuracy floor it must keep.

The floor is a quality gate (issue 21: >= 75% per language, >= 65% on negative messages), not a
timed test. The set was written before the scorer was tuned and is never tuned on
(``tests/emotion/data/EVAL.md``); ``scripts/bench-emotion --eval`` prints the same numbers per
hard-case tag.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from yabot.emotion.evaluation import DATA, evaluate, read_jsonl

TAGS = {
    "negation", "sarcasm", "slang", "idiom", "emoji_only", "code_switching", "false_friend"
}  # fmt: skip
MIN_ACCURACY = 0.75
# The set as committed before any tuning (d97bc69): editing it to fit the scorer fails here.
UNTUNED_SHA256 = {
    "es": "b6677151e75108d31f4edf31d43102cd00f87efee6b718c04e495c0bc5a5a1f2",
    "en": "09a0472f4ac6883c597adebe09e35a73e69b93ba6c43f6898da6293a1a7b26a4",
}
MIN_NEGATIVE_ACCURACY = 0.65
# A regression gate below today's numbers: a broken negation rule falls to ~35-45% here.
MIN_NEGATION_ACCURACY = 0.60


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_evaluation_set_is_large_hard_and_balanced(language: str) -> None:
    rows = read_jsonl(DATA / f"eval_{language}.jsonl")
    assert len(rows) >= 600
    assert len({row.text for row in rows}) == len(rows), "duplicate messages"
    assert all(row.language == language for row in rows)
    assert sum(bool(row.tags) for row in rows) >= len(rows) / 2
    tags = Counter(tag for row in rows for tag in row.tags)
    assert set(tags) == TAGS and min(tags.values()) >= 25, tags
    polarities = Counter(row.polarity for row in rows)
    assert polarities["negative"] >= 0.3 * len(rows)
    assert polarities["positive"] >= 0.2 * len(rows) and polarities["neutral"] >= 0.1 * len(rows)
    if language == "es":
        varieties = Counter(row.variety for row in rows if row.variety)
        assert varieties["es-ES"] >= 40 and varieties["es-LATAM"] >= 40, varieties


@pytest.mark.parametrize("language", ["es", "en"])
def test_polarity_accuracy_floor_on_the_untuned_set(language: str) -> None:
    report = evaluate(read_jsonl(DATA / f"eval_{language}.jsonl"))
    negative = report.groups["polarity:negative"]
    summary = report.as_dict()
    assert report.overall.accuracy >= MIN_ACCURACY, summary
    assert negative.accuracy >= MIN_NEGATIVE_ACCURACY, summary
    assert report.groups["tag:negation"].accuracy >= MIN_NEGATION_ACCURACY, summary


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_evaluation_set_is_the_one_written_before_tuning(language: str) -> None:
    data = (DATA / f"eval_{language}.jsonl").read_bytes()
    assert hashlib.sha256(data).hexdigest() == UNTUNED_SHA256[language]


def test_tuning_data_is_kept_apart_from_the_evaluation_set() -> None:
    for language in ("es", "en"):
        evaluation = {row.text for row in read_jsonl(DATA / f"eval_{language}.jsonl")}
        for other in ("tune", "fresh", "check2"):
            rows = read_jsonl(DATA / f"{other}_{language}.jsonl")
            # the check sets may repeat an emoji-only message; the tuning data may not
            texts = {row.text for row in rows if other == "tune" or "emoji_only" not in row.tags}
            assert not evaluation & texts, other
