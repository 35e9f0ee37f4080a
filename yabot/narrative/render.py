"""Turns rendered as Bot API ``sendMessage`` parameters, in the player's language."""

from __future__ import annotations

from typing import Any, Literal

from yabot.narrative.engine import Turn
from yabot.narrative.splitting import telegram_length
from yabot.narrative.tokens import encode_choice

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")
VIP_CALLBACK = "m:vip"
MENU_CALLBACK = "m:menu"
MAX_BUTTON_CHARS = 64
EMPTY_PASSAGE = "…"
TELEGRAM_MAX_CHARS = 4096

_TEXTS: dict[str, dict[Language, str]] = {
    "stale": {
        "en": "This moment has passed. Your story continues in the latest message.",
        "es": "Este momento ya pasó. Tu historia sigue en el último mensaje.",
    },
    "ask": {
        "en": "✍️ Write your answer in the chat.",
        "es": "✍️ Escribe tu respuesta en el chat.",
    },
    "vip": {"en": "⭐ Become VIP", "es": "⭐ Hazte VIP"},
    "end": {"en": "— The end (for now) —", "es": "— Fin (por ahora) —"},
    "menu": {"en": "☰ Menu", "es": "☰ Menú"},
}


def resolve_language(language_code: str | None, default: Language = "en") -> Language:
    """Map a Telegram ``language_code`` (``"es-MX"``, ``"en"``, None ...) to ``"en"``/``"es"``."""
    prefix = (language_code or "").split("-")[0].lower()
    return "es" if prefix == "es" else "en" if prefix == "en" else default


def ui_text(key: str, lang: Language) -> str:
    """A fixed interface text (``stale``, ``ask``, ``vip``, ``end``, ``menu``) in ``lang``."""
    return _TEXTS[key][lang]


def render_stale_notice(lang: Language) -> dict[str, Any]:
    """Parameters of ``answerCallbackQuery`` for a press on a passed moment (minus the id)."""
    return {"text": ui_text("stale", lang), "show_alert": False}


def render_turn(turn: Turn, chat_id: int, lang: Language) -> list[dict[str, Any]]:
    """Render ``turn`` as ``sendMessage`` parameters, one dict per message, in order.

    The last message carries the choice buttons (``callback_data`` from
    :func:`~yabot.narrative.tokens.encode_choice`), a VIP button when the passage met a
    ``#gate:vip``, and a menu button at the end of the story. A pending question adds a prompt
    inviting the player to type (appended to the last message when it fits).
    """
    texts = list(turn.passages) or [EMPTY_PASSAGE]
    if turn.ask is not None:
        _append(texts, ui_text("ask", lang))
    if turn.ended:
        _append(texts, ui_text("end", lang))
    rows: list[list[dict[str, str]]] = [
        [{"text": _button_text(c.text), "callback_data": encode_choice(turn.token, c.index)}]
        for c in turn.visible_choices
    ]
    if "vip" in turn.gates:
        rows.append([{"text": ui_text("vip", lang), "callback_data": VIP_CALLBACK}])
    if turn.ended:
        rows.append([{"text": ui_text("menu", lang), "callback_data": MENU_CALLBACK}])
    messages: list[dict[str, Any]] = [{"chat_id": chat_id, "text": text} for text in texts]
    if rows:
        messages[-1]["reply_markup"] = {"inline_keyboard": rows}
    return messages


def _append(texts: list[str], line: str) -> None:
    """Add ``line`` to the last message when it fits (one message less to pace), else send it."""
    merged = f"{texts[-1]}\n\n{line}"
    if telegram_length(merged) <= TELEGRAM_MAX_CHARS:
        texts[-1] = merged
    else:
        texts.append(line)


def _button_text(text: str) -> str:
    text = " ".join(text.split()) or EMPTY_PASSAGE
    return text if len(text) <= MAX_BUTTON_CHARS else text[: MAX_BUTTON_CHARS - 1] + "…"
