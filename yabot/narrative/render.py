"""Turns rendered as Bot API ``sendMessage`` parameters, in the player's language."""

from __future__ import annotations

from typing import Any, Literal

from yabot.i18n import t
from yabot.narrative.effects import gate_threshold
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


def resolve_language(language_code: str | None, default: Language = "en") -> Language:
    """Map a Telegram ``language_code`` (``"es-MX"``, ``"en"``, None ...) to ``"en"``/``"es"``."""
    prefix = (language_code or "").split("-")[0].lower()
    return "es" if prefix == "es" else "en" if prefix == "en" else default


def ui_text(key: str, lang: Language) -> str:
    """A fixed interface text (``stale``, ``ask``, ``vip``, ``end``, ``menu``) in ``lang``."""
    return t(f"story_{key}", lang)


def gate_notes(gates: tuple[str, ...], lang: Language, resonance: float | None) -> list[str]:
    """What the bot adds under a locked door: how close the player is and what helps."""
    notes: list[str] = []
    for gate in gates:
        if gate == "vip":
            notes.append(t("gate_vip", lang))
            continue
        need = gate_threshold(gate)
        if need is None or resonance is None:
            continue
        have = round(max(0.0, min(1.0, resonance)) * 100)
        need_pct = round(need * 100)
        if resonance >= need:
            notes.append(t("gate_resonance_open", lang, have=have))
        else:
            notes.append(
                t("gate_resonance", lang, have=have, need=need_pct)
                + "\n"
                + t("gate_resonance_help", lang)
            )
    return notes


def render_stale_notice(lang: Language) -> dict[str, Any]:
    """Parameters of ``answerCallbackQuery`` for a press on a passed moment (minus the id)."""
    return {"text": ui_text("stale", lang), "show_alert": False}


def render_turn(
    turn: Turn, chat_id: int, lang: Language, resonance: float | None = None
) -> list[dict[str, Any]]:
    """Render ``turn`` as ``sendMessage`` parameters, one dict per message, in order.

    The last message carries the choice buttons (``callback_data`` from
    :func:`~yabot.narrative.tokens.encode_choice`; a ``#sig:`` choice is marked ✦), a VIP button
    when the passage met a ``#gate:vip``, and a menu button at the end of the story. A pending
    question adds a prompt inviting the player to type (appended to the last message when it
    fits); a gate adds how close the player is (``resonance``) and what helps. Lines tagged
    ``#title`` are bold (a ``bold`` entity, so no text needs escaping).
    """
    texts = list(turn.passages) or [EMPTY_PASSAGE]
    for note in gate_notes(turn.gates, lang, resonance):
        _append(texts, note)
    if turn.ask is not None:
        _append(texts, ui_text("ask", lang))
    if turn.ended:
        _append(texts, ui_text("end", lang))
    mark = t("sig_mark", lang)
    rows: list[list[dict[str, str]]] = [
        [
            {
                "text": _button_text((mark if c.sig else "") + c.text),
                "callback_data": encode_choice(turn.token, c.index),
            }
        ]
        for c in turn.visible_choices
    ]
    if "vip" in turn.gates:
        rows.append([{"text": ui_text("vip", lang), "callback_data": VIP_CALLBACK}])
    if turn.ended:
        rows.append([{"text": ui_text("menu", lang), "callback_data": MENU_CALLBACK}])
    messages: list[dict[str, Any]] = []
    for text in texts:
        message: dict[str, Any] = {"chat_id": chat_id, "text": text}
        bold = _bold_entities(text, turn.titles)
        if bold:
            message["entities"] = bold
        messages.append(message)
    if rows:
        messages[-1]["reply_markup"] = {"inline_keyboard": rows}
    return messages


def _bold_entities(text: str, titles: tuple[str, ...]) -> list[dict[str, Any]]:
    """``bold`` entities (UTF-16 offsets, as Telegram counts) over each title line in ``text``."""
    entities: list[dict[str, Any]] = []
    if not titles:
        return entities
    offset = 0
    wanted = set(titles)
    for line in text.split("\n"):
        if line in wanted:
            entities.append({"type": "bold", "offset": offset, "length": telegram_length(line)})
        offset += telegram_length(line) + 1
    return entities


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
