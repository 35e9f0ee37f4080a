"""Validation of ``reply_markup`` as Telegram does it (shape, button kinds, callback data size)."""

from __future__ import annotations

from typing import Any

from yabot.emulator.errors import bad_request

MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_ROW_BUTTONS = 8
INLINE_ACTIONS = (
    "callback_data",
    "url",
    "pay",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "web_app",
    "copy_text",
)


def _button_error(detail: str) -> Exception:
    return bad_request(f"can't parse inline keyboard button: {detail}", reason="markup_shape")


def _validate_inline_button(button: Any, allow_pay: bool) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _button_error("Text must be non-empty")
    actions = [key for key in INLINE_ACTIONS if button.get(key) not in (None, False)]
    if not actions:
        raise bad_request(
            "text buttons are unallowed in the inline keyboard", reason="markup_shape"
        )
    if len(actions) > 1:
        raise _button_error(f"only one of {', '.join(actions)} may be given")
    if "callback_data" in actions:
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise bad_request("BUTTON_DATA_INVALID", reason="callback_data")
    if "url" in actions:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID", reason="button_url")
    if "pay" in actions and not allow_pay:
        raise bad_request("BUTTON_TYPE_INVALID", reason="pay_button")
    return button


def validate_reply_markup(markup: Any, *, invoice: bool = False) -> dict[str, Any] | None:
    """Check ``reply_markup`` like Telegram and return it normalised.

    Args:
        markup: The decoded ``reply_markup`` value (or None).
        invoice: True for invoices, whose first button may (and must) be a ``pay`` button.

    Returns:
        The markup, or None when absent.

    Raises:
        BotApiError: 400 with Telegram's description for a malformed keyboard.
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object", reason="markup_shape")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list):
            raise bad_request('field "inline_keyboard" must be an Array', reason="markup_shape")
        total = 0
        for row_index, row in enumerate(rows):
            if not isinstance(row, list):
                raise bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Array",
                    reason="markup_shape",
                )
            if len(row) > MAX_ROW_BUTTONS:
                raise bad_request("reply markup is too long", reason="markup_size")
            for col_index, button in enumerate(row):
                _validate_inline_button(
                    button, allow_pay=invoice and row_index == 0 and col_index == 0
                )
                total += 1
        if total > MAX_BUTTONS:
            raise bad_request("reply markup is too long", reason="markup_size")
        if invoice and total and not rows[0][0].get("pay"):
            raise bad_request("the first button must be a Pay button", reason="pay_button")
        return {"inline_keyboard": rows}
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" must be an Array of Arrays', reason="markup_shape")
        for row in rows:
            for button in row:
                text = (
                    button
                    if isinstance(button, str)
                    else (button.get("text") if isinstance(button, dict) else None)
                )
                if not isinstance(text, str) or not text:
                    raise bad_request(
                        "can't parse keyboard button: Text must be non-empty", reason="markup_shape"
                    )
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object", reason="markup_shape")


def inline_buttons(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    """Return the inline keyboard rows of ``markup`` (empty when there is none)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    rows: list[list[dict[str, Any]]] = markup["inline_keyboard"]
    return rows
