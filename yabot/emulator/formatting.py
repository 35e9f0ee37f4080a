"""Telegram's parse modes (HTML, MarkdownV2, Markdown): plain text plus entities, or an error.

The parsers follow Telegram's documented rules closely enough to reject what Telegram rejects
(unbalanced or unsupported tags, unescaped reserved characters, unclosed entities) with the same
``can't parse entities`` description. Entity offsets and lengths are in UTF-16 code units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from yabot.emulator.errors import BotApiError, bad_request

MAX_TEXT_CHARS = 4096
MAX_CAPTION_CHARS = 1024

HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")
_ATTR_RE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram counts offsets."""
    return len(text.encode("utf-16-le")) // 2


def _parse_error(detail: str) -> BotApiError:
    return bad_request(f"can't parse entities: {detail}", reason="cant_parse_entities")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Builder:
    """Accumulates plain text and entities while a parser walks the source."""

    out: list[str] = field(default_factory=list)
    units: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)

    def add(self, chunk: str) -> None:
        self.out.append(chunk)
        self.units += utf16_len(chunk)

    def close(self, kind: str, start: int, **extra: Any) -> None:
        if self.units > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.units - start, **extra}
            )

    def text(self) -> str:
        return "".join(self.out)


def _html_unescape(raw: str) -> str:
    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return HTML_NAMED_ENTITIES.get(name.lower(), match.group(0))

    return _ENTITY_RE.sub(repl, raw)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and entities.

    Raises:
        BotApiError: 400 ``can't parse entities`` for unsupported or unbalanced tags.
    """
    builder = _Builder()
    stack: list[tuple[str, int, dict[str, Any], int]] = []
    pos = 0
    while pos < len(text):
        lt = text.find("<", pos)
        if lt < 0:
            builder.add(_html_unescape(text[pos:]))
            break
        builder.add(_html_unescape(text[pos:lt]))
        match = _TAG_RE.match(text, lt)
        if match is None:
            words = text[lt + 1 : lt + 11].split()
            shown = words[0] if words else ""
            raise _parse_error(
                f'Unsupported start tag "{shown}" at byte offset {_byte_offset(text, lt)}'
            )
        closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if name not in HTML_TAGS:
            kind = "end" if closing else "start"
            raise _parse_error(
                f'Unsupported {kind} tag "{name}" at byte offset {_byte_offset(text, lt)}'
            )
        if closing:
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(text, lt)}")
            open_name, start, opened_extra, _ = stack.pop()
            if open_name != name:
                raise _parse_error(f'Can\'t find end tag corresponding to start tag "{open_name}"')
            builder.close(HTML_TAGS[name], start, **opened_extra)
        else:
            values = {
                m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                for m in _ATTR_RE.finditer(attrs)
            }
            extra: dict[str, Any] = {}
            if name == "a":
                if not values.get("href"):
                    raise _parse_error(
                        f"Can't find href of the link at byte offset {_byte_offset(text, lt)}"
                    )
                extra["url"] = _html_unescape(values["href"])
            if name == "span" and values.get("class") != "tg-spoiler":
                offset = _byte_offset(text, lt)
                raise _parse_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                )
            if name == "tg-emoji":
                if not values.get("emoji-id"):
                    raise _parse_error(
                        "Custom emoji entity must contain a valid custom emoji identifier"
                    )
                extra["custom_emoji_id"] = values["emoji-id"]
            stack.append((name, builder.units, extra, lt))
        pos = match.end()
    if stack:
        name = stack[-1][0]
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{name}"')
    return builder.text(), builder.entities


_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into plain text and entities.

    Raises:
        BotApiError: 400 ``can't parse entities`` for reserved characters that are not escaped
            and for entities that are never closed.
    """
    builder = _Builder()
    stack: list[tuple[str, int, int]] = []
    i = 0
    n = len(text)
    in_quote = False
    quote_start = 0
    while i < n:
        ch = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if in_quote and at_line_start and ch != ">":
            builder.close("blockquote", quote_start)
            in_quote = False
        if ch == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            builder.add(text[i + 1])
            i += 2
            continue
        if ch == ">" and at_line_start:
            if not in_quote:
                in_quote, quote_start = True, builder.units
            i += 1
            continue
        if ch == "`":
            fence = text.startswith("```", i)
            marker = "```" if fence else "`"
            end = i + len(marker)
            body: list[str] = []
            while end < n and not text.startswith(marker, end):
                if text[end] == "\\" and end + 1 < n and text[end + 1] in "`\\":
                    body.append(text[end + 1])
                    end += 2
                    continue
                body.append(text[end])
                end += 1
            if end >= n:
                label = "Pre" if fence else "Code"
                raise _parse_error(
                    f"Can't find end of {label} entity at byte offset {_byte_offset(text, i)}"
                )
            content = "".join(body)
            extra: dict[str, Any] = {}
            if fence and "\n" in content:
                first, rest = content.split("\n", 1)
                if first and " " not in first:
                    extra["language"] = first
                    content = rest
            start = builder.units
            builder.add(content)
            builder.close("pre" if fence else "code", start, **extra)
            i = end + len(marker)
            continue
        kind: str | None = None
        width = 1
        if ch == "*":
            kind = "bold"
        elif ch == "_":
            if text.startswith("__", i):
                kind, width = "underline", 2
            else:
                kind = "italic"
        elif ch == "~":
            kind = "strikethrough"
        elif ch == "|" and text.startswith("||", i):
            kind, width = "spoiler", 2
        if kind is not None:
            if stack and stack[-1][0] == kind:
                _, start, _ = stack.pop()
                builder.close(kind, start)
            elif any(entry[0] == kind for entry in stack):
                raise _parse_error(
                    f"Can't find end of {_MDV2_NAMES[stack[-1][0]]} entity at byte offset "
                    f"{_byte_offset(text, stack[-1][2])}"
                )
            else:
                stack.append((kind, builder.units, i))
            i += width
            continue
        if ch == "[":
            stack.append(("text_link", builder.units, i))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "text_link":
            _, start, opened = stack.pop()
            if not text.startswith("(", i + 1):
                raise _parse_error(
                    f"Can't find end of TextUrl entity at byte offset {_byte_offset(text, opened)}"
                )
            end = i + 2
            url: list[str] = []
            while end < n and text[end] != ")":
                if text[end] == "\\" and end + 1 < n:
                    end += 1
                url.append(text[end])
                end += 1
            if end >= n:
                raise _parse_error(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}"
                )
            builder.close("text_link", start, url="".join(url))
            i = end + 1
            continue
        if ch in MARKDOWN_V2_RESERVED:
            raise _parse_error(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        builder.add(ch)
        i += 1
    if in_quote:
        builder.close("blockquote", quote_start)
    if stack:
        kind, _, opened = stack[-1]
        offset = _byte_offset(text, opened)
        raise _parse_error(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {offset}")
    return builder.text(), builder.entities


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse legacy Markdown (``*bold*``, ``_italic_``, code, ``[text](url)``), no nesting.

    Raises:
        BotApiError: 400 ``can't parse entities`` for an entity that is never closed.
    """
    builder = _Builder()
    markers = {"*": "bold", "_": "italic", "`": "code"}
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            builder.add(text[i + 1])
            i += 2
            continue
        if ch in markers or ch == "[":
            closer = "]" if ch == "[" else ("```" if text.startswith("```", i) else ch)
            opener_len = 1 if ch != "`" else len(closer)
            end = text.find(closer, i + opener_len)
            if end < 0:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            content = text[i + opener_len : end]
            start = builder.units
            builder.add(content)
            if ch == "[":
                if not text.startswith("(", end + 1) or text.find(")", end + 1) < 0:
                    offset = _byte_offset(text, i)
                    raise _parse_error(
                        f"Can't find end of the entity starting at byte offset {offset}"
                    )
                close = text.find(")", end + 1)
                builder.close("text_link", start, url=text[end + 2 : close])
                i = close + 1
                continue
            builder.close("pre" if closer == "```" else markers[ch], start)
            i = end + len(closer)
            continue
        builder.add(ch)
        i += 1
    return builder.text(), builder.entities


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` to ``text`` as Telegram does.

    Args:
        text: The source text the bot sent.
        parse_mode: ``HTML``, ``MarkdownV2``, ``Markdown`` (any case) or None/empty for none.

    Returns:
        The plain text and its entities.

    Raises:
        BotApiError: 400 for an unknown parse mode or text that does not parse.
    """
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise bad_request(f"unsupported parse_mode {parse_mode!r}", reason="parse_mode")


def command_entities(text: str) -> list[dict[str, Any]]:
    """Return the ``bot_command`` entity Telegram adds to a message starting with ``/``."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?", text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
