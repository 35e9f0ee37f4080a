"""A tiny polling echo bot over the plain Bot API, to try the emulator's clients without YABOT.

It answers every text with ``echo: <text>`` and two buttons; pressing one edits that message to
``pressed: <data>``; ``/ask`` gets a question without buttons (``/askskip`` one with
a Skip button), ``/notice`` a message with
buttons then one without, ``/invoice`` a 5-Star invoice,
``/link`` a button to a 7-Star invoice link, and it accepts every checkout. Run it with
``python -m yabot.emulator.echo http://127.0.0.1:8081 123:abc``.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import httpx

ECHO_KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Again", "callback_data": "again"}, {"text": "Other", "callback_data": "other"}]
    ]
}


class EchoBot:
    """Long-polls ``getUpdates`` on a background thread and echoes.

    Args:
        base_url: The emulator's base URL.
        token: The bot token to use.
    """

    def __init__(self, base_url: str, token: str = "4242:echo") -> None:
        self.api = f"{base_url.rstrip('/')}/bot{token}/"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="echo-bot", daemon=True)
        self.handled = 0

    def call(self, client: httpx.Client, method: str, **params: Any) -> Any:
        """Call a Bot API method and return its result (raises on an error answer)."""
        answer = client.post(self.api + method, json=params).json()
        if not answer["ok"]:
            raise RuntimeError(f"{method}: {answer['description']}")
        return answer["result"]

    def _handle(self, client: httpx.Client, update: dict[str, Any]) -> None:
        if update.get("message", {}).get("text") == "/invoice":
            self.call(
                client,
                "sendInvoice",
                chat_id=update["message"]["chat"]["id"],
                title="Echo VIP",
                description="A test purchase",
                payload="echo-vip",
                currency="XTR",
                prices=[{"label": "VIP", "amount": 5}],
            )
        elif update.get("message", {}).get("text") == "/link":
            link = self.call(
                client,
                "createInvoiceLink",
                title="Echo link",
                description="A purchase through a link",
                payload="echo-link",
                currency="XTR",
                prices=[{"label": "VIP", "amount": 7}],
            )
            self.call(
                client,
                "sendMessage",
                chat_id=update["message"]["chat"]["id"],
                text="Buy through the link",
                reply_markup={"inline_keyboard": [[{"text": "Buy", "url": link}]]},
            )
        elif update.get("message", {}).get("text") == "/notice":
            chat_id = update["message"]["chat"]["id"]
            self.call(
                client, "sendMessage", chat_id=chat_id, text="Pick one", reply_markup=ECHO_KEYBOARD
            )
            self.call(client, "sendMessage", chat_id=chat_id, text="A notice without buttons")
        elif update.get("message", {}).get("text") == "/askskip":
            self.call(
                client,
                "sendMessage",
                chat_id=update["message"]["chat"]["id"],
                text="What year were you born?",
                reply_markup={"inline_keyboard": [[{"text": "Skip", "callback_data": "skip"}]]},
            )
        elif update.get("message", {}).get("text") == "/ask":
            self.call(
                client, "sendMessage", chat_id=update["message"]["chat"]["id"], text="How old?"
            )
        elif "message" in update and "text" in update["message"]:
            message = update["message"]
            self.call(
                client,
                "sendMessage",
                chat_id=message["chat"]["id"],
                text=f"echo: {message['text']}",
                reply_markup=ECHO_KEYBOARD,
            )
        elif "callback_query" in update:
            query = update["callback_query"]
            self.call(
                client,
                "answerCallbackQuery",
                callback_query_id=query["id"],
                text=f"you pressed {query['data']}",
            )
            self.call(
                client,
                "editMessageText",
                chat_id=query["message"]["chat"]["id"],
                message_id=query["message"]["message_id"],
                text=f"pressed: {query['data']}",
            )
        elif "pre_checkout_query" in update:
            self.call(
                client,
                "answerPreCheckoutQuery",
                pre_checkout_query_id=update["pre_checkout_query"]["id"],
                ok=True,
            )

    def _run(self) -> None:
        offset = 0
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                try:
                    updates = self.call(client, "getUpdates", offset=offset, timeout=1)
                except (httpx.HTTPError, RuntimeError):
                    self._stop.wait(0.2)
                    continue
                for update in updates:
                    self._handle(client, update)
                    offset = update["update_id"] + 1
                    self.handled += 1

    def start(self) -> EchoBot:
        """Start polling; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self._stop.set()
        self._thread.join(timeout=5)


if __name__ == "__main__":
    bot = EchoBot(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "4242:echo").start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        bot.stop()
