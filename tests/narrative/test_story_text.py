"""Splitting passages for Telegram, rendering turns, effect tags and callback data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yabot.narrative import (
    Choice,
    Effect,
    Turn,
    decode_choice,
    encode_choice,
    parse_tags,
    render_stale_notice,
    render_turn,
    resolve_language,
    split_text,
    telegram_length,
)

WORDS = st.text(alphabet=st.sampled_from("abcdeñé🌙 .!?\n"), min_size=0, max_size=3000)


@given(text=WORDS, limit=st.integers(min_value=5, max_value=400))
def test_split_chunks_fit_and_lose_no_words(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(1 <= telegram_length(c) <= limit for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_split_prefers_paragraphs_then_sentences() -> None:
    first = "The gate creaks. " * 10
    second = "Lucien waits. " * 10
    chunks = split_text(f"{first.strip()}\n\n{second.strip()}", 200)
    assert chunks == [first.strip(), second.strip()]
    long_paragraph = "She paints a door. " * 30
    chunks = split_text(long_paragraph, 100)
    assert all(c.endswith("door.") for c in chunks)


def test_telegram_counts_emoji_as_two() -> None:
    assert telegram_length("🌙") == 2
    assert split_text("🌙" * 5, 4) == ["🌙🌙", "🌙🌙", "🌙"]


def _turn(passages: tuple[str, ...], **kw: object) -> Turn:
    base: dict[str, object] = dict(
        story_id="s",
        version="v",
        state="{}",
        token="AbC-_123",
        number=3,
        passages=passages,
        choices=(Choice(0, "Go", ()), Choice(1, "(answer)", ("answer",), True)),
        effects=(),
        tags=(),
        chapter=1,
        scene="1_01",
        ask=None,
        gates=(),
        ended=False,
    )
    base.update(kw)
    return Turn(**base)  # type: ignore[arg-type]


def test_a_long_passage_becomes_several_messages_with_buttons_on_the_last() -> None:
    text = "\n\n".join(f"Paragraph {i}. " + "Words in the mirror. " * 40 for i in range(12))
    passages = tuple(split_text(text, 4000))
    assert len(passages) >= 3
    messages = render_turn(_turn(passages), 99, "en")
    assert [m["text"] for m in messages] == list(passages)
    assert all(telegram_length(m["text"]) <= 4096 for m in messages)
    assert all("reply_markup" not in m for m in messages[:-1])
    assert messages[-1]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Go", "callback_data": "c:AbC-_123:0"}]]
    }
    assert all(m["chat_id"] == 99 for m in messages)


def test_render_never_sends_an_empty_message() -> None:
    assert render_turn(_turn(()), 1, "es")[0]["text"].strip()


def test_stale_notice_is_polite_in_both_languages() -> None:
    assert "passed" in render_stale_notice("en")["text"]
    assert "pasó" in render_stale_notice("es")["text"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("es-MX", "es"), ("ES", "es"), ("en-GB", "en"), ("fr", "en"), (None, "en")],
)
def test_language_follows_telegram_language_code(code: str | None, expected: str) -> None:
    assert resolve_language(code) == expected


def test_tags_become_effects_and_malformed_ones_are_ignored() -> None:
    effects = parse_tags(
        [
            "emo:poet+2",
            "emo:direct-1",
            "chapter:3",
            "scene:3_04",
            "ask:why",
            "gate:vip",
            "emo:poet++",
            "chapter:x",
            "author: someone",
        ]
    )
    assert effects == [
        Effect("emo", "poet", 2),
        Effect("emo", "direct", -1),
        Effect("chapter", "", 3),
        Effect("scene", "3_04"),
        Effect("ask", "why"),
        Effect("gate", "vip"),
    ]


@given(token=st.from_regex(r"[A-Za-z0-9_-]{8}", fullmatch=True), index=st.integers(0, 999))
def test_choice_callback_data_round_trips_within_64_bytes(token: str, index: int) -> None:
    data = encode_choice(token, index)
    assert len(data.encode()) <= 64
    assert decode_choice(data) == (token, index)


@pytest.mark.parametrize("data", ["", "c:", "c:abc", "c:abc:x", "m:vip", "c:a b:1", "c:abc:1:2"])
def test_foreign_callback_data_is_not_a_choice(data: str) -> None:
    assert decode_choice(data) is None
