"""Parse modes: escaped text always survives unchanged, entity offsets are UTF-16 as in Telegram."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yabot.emulator.errors import BotApiError
from yabot.emulator.formatting import (
    MARKDOWN_V2_RESERVED,
    parse_html,
    parse_markdown_v2,
    utf16_len,
)

TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60)


def escape_markdown_v2(text: str) -> str:
    return "".join("\\" + ch if ch in MARKDOWN_V2_RESERVED or ch == "\\" else ch for ch in text)


@given(TEXT)
def test_html_escaped_text_is_shown_verbatim(text: str) -> None:
    assert parse_html(html.escape(text, quote=False)) == (text, [])


@given(TEXT)
def test_markdown_v2_escaped_text_is_shown_verbatim(text: str) -> None:
    plain, entities = parse_markdown_v2(escape_markdown_v2(text))
    assert plain == text and entities == []


@given(TEXT, TEXT, TEXT)
def test_bold_entity_covers_exactly_the_wrapped_text(before: str, inner: str, after: str) -> None:
    def escape(part: str) -> str:
        return html.escape(part, quote=False)

    source = f"{escape(before)}<b>{escape(inner)}</b>{escape(after)}"
    plain, entities = parse_html(source)
    assert plain == before + inner + after
    if inner:
        assert entities == [
            {"type": "bold", "offset": utf16_len(before), "length": utf16_len(inner)}
        ]


@pytest.mark.parametrize(
    "source",
    [
        "<b>x",
        "</b>",
        "<b><i>x</b></i>",
        "<script>x</script>",
        "<a>x</a>",
        '<span class="x">s</span>',
    ],
)
def test_bad_html_is_refused(source: str) -> None:
    with pytest.raises(BotApiError) as error:
        parse_html(source)
    assert error.value.code == 400 and "can't parse entities" in error.value.description
