"""The lexicon's polarity and the language detector on labelled player messages."""

from __future__ import annotations

from collections import Counter

from emotion_data import read_labelled

from yabot.emotion import analyze, detect_language

MIN_MESSAGES = 200
MIN_POLARITY_ACCURACY = 0.80
MIN_LANGUAGE_ACCURACY = 0.95


def test_labelled_sets_are_large_and_balanced(labelled: tuple[str, list[tuple[str, str]]]) -> None:
    _, rows = labelled
    counts = Counter(label for label, _ in rows)
    assert len(rows) >= MIN_MESSAGES
    assert counts["positive"] >= 60 and counts["negative"] >= 60 and counts["neutral"] >= 30
    assert len({text for _, text in rows}) == len(rows), "duplicate messages"


def test_polarity_accuracy_is_at_least_80_percent(
    labelled: tuple[str, list[tuple[str, str]]],
) -> None:
    language, rows = labelled
    wrong = [(label, text) for label, text in rows if analyze(text).label != label]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= MIN_POLARITY_ACCURACY, f"{language}: {accuracy:.1%}; e.g. {wrong[:10]}"


def test_language_detection_on_the_labelled_messages(
    labelled: tuple[str, list[tuple[str, str]]],
) -> None:
    language, rows = labelled
    hits = sum(detect_language(text) == language for _, text in rows)
    assert hits / len(rows) >= MIN_LANGUAGE_ACCURACY


SHORT_MESSAGES = [
    ("es", "sí, claro"), ("es", "no sé"), ("es", "vale"), ("es", "gracias"), ("es", "hola"),
    ("es", "¿por qué?"), ("es", "quiero saber más"), ("es", "la puerta"), ("es", "ella miente"),
    ("es", "tengo miedo"), ("es", "perfecto"), ("es", "estoy aquí"), ("es", "sigue"),
    ("es", "me gusta"), ("es", "qué raro"), ("es", "nunca"), ("es", "ahora mismo"),
    ("en", "yes, of course"), ("en", "I don't know"), ("en", "sure"), ("en", "thanks"),
    ("en", "hello"), ("en", "why?"), ("en", "tell me more"), ("en", "the door"),
    ("en", "she is lying"), ("en", "I'm scared"), ("en", "perfect"), ("en", "I'm here"),
    ("en", "go on"), ("en", "I like it"), ("en", "how weird"), ("en", "never"), ("en", "right now"),
]  # fmt: skip


def test_language_detection_on_short_replies() -> None:
    hits = [detect_language(text) == language for language, text in SHORT_MESSAGES]
    assert sum(hits) / len(hits) >= 0.85, [
        m for m, ok in zip(SHORT_MESSAGES, hits, strict=True) if not ok
    ]


def test_undecidable_text_follows_the_players_language() -> None:
    assert detect_language("😂😂", hint="es") == "es"
    assert detect_language("😂😂", hint="en") == "en"
    assert detect_language("¿Dónde está la llave?", hint="en") == "es"


def test_held_out_messages_never_used_for_tuning_stay_above_75_percent() -> None:
    for language in ("es", "en"):
        rows = read_labelled(f"heldout_{language}")
        assert len(rows) >= 40
        hits = sum(analyze(text).label == label for label, text in rows)
        assert hits / len(rows) >= 0.75, language
