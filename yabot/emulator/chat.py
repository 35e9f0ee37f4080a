"""``yabot chat``: play with the bot in a terminal, through the emulator's player side.

The bot's messages are printed as they arrive (edits and deletions too), each inline keyboard
with numbered buttons. Type text or a /command to send it, a button's number to press it (or to
pay an invoice), ``/quit`` (or end of input) to leave.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

import httpx

from yabot.config import Settings

HELP = "Type a message or /command; a number presses that button of the last keyboard; /quit exits."
POLL_TIMEOUT_S = 20.0


class ChatClient:
    """A terminal conversation with the bot as one player.

    Args:
        base_url: The emulator's base URL.
        user_id: The player's Telegram user id.
        name: The player's first name.
        language: The player's language code.
        stdin: Where the person types.
        stdout: Where the conversation is shown.
    """

    def __init__(
        self, base_url: str, user_id: int, name: str, language: str, stdin: TextIO, stdout: TextIO
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.name = name
        self.language = language
        self.stdin = stdin
        self.stdout = stdout
        self._http = httpx.Client(
            base_url=self.base_url + "/_emulator", timeout=POLL_TIMEOUT_S + 15
        )
        self._lock = threading.Lock()
        self._buttons: list[tuple[int, dict[str, Any]]] = []
        self._stop = threading.Event()

    def say(self, line: str) -> None:
        """Print one line of the conversation (thread-safe)."""
        with self._lock:
            self.stdout.write(line + "\n")
            self.stdout.flush()

    def _show(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if not message["from_bot"]:
            payment = message.get("successful_payment")
            if payment:
                self.say(f"[you paid {payment['total_amount']} {payment['currency']}]")
            return
        tag = {"new": "", "edit": " edited", "delete": " deleted"}[event["type"]]
        head = f"[bot #{message['message_id']}{tag}]"
        if event["type"] == "delete":
            self.say(head)
            return
        body = message.get("text")
        if body is None and message.get("photo"):
            body = "(photo)" + (f" {message['caption']}" if message.get("caption") else "")
        if message.get("invoice"):
            invoice = message["invoice"]
            body = (
                f"Invoice: {invoice['title']} - {invoice['description']} "
                f"({invoice['total_amount']} {invoice['currency']})"
            )
        self.say(f"{head} {body or ''}")
        buttons = [button for row in message.get("buttons") or [] for button in row]
        if buttons:
            with self._lock:
                self._buttons = [(message["message_id"], b) for b in buttons]
            self.say("   " + "   ".join(f"{i}) {b['text']}" for i, b in enumerate(buttons, 1)))

    def _follow(self) -> None:
        after = 0
        waiting_said = False
        while not self._stop.is_set():
            try:
                response = self._http.get(
                    f"/chats/{self.user_id}/events",
                    params={"after": after, "timeout": POLL_TIMEOUT_S},
                )
                if response.status_code == 409:
                    if not waiting_said:
                        self.say("(waiting for the bot to connect to the emulator...)")
                        waiting_said = True
                    self._stop.wait(1.0)
                    continue
                response.raise_for_status()
            except Exception as exc:  # the client is closed under us at /quit
                if self._stop.is_set():
                    return
                self.say(f"! emulator unreachable ({type(exc).__name__}); retrying")
                self._stop.wait(2.0)
                continue
            data = response.json()
            if self._stop.is_set():
                return
            for event in data["events"]:
                self._show(event)
            after = data["last"]

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        try:
            response = self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            self.say(f"! emulator unreachable ({type(exc).__name__})")
            return None
        if response.status_code >= 400:
            self.say(f"! {response.json().get('detail', response.text)}")
            return None
        result: dict[str, Any] = response.json()
        return result

    def _press(self, number: int) -> None:
        with self._lock:
            chosen = self._buttons[number - 1] if 0 < number <= len(self._buttons) else None
        if chosen is None:
            self.say(f"! there is no button {number}")
            return
        message_id, button = chosen
        if button.get("pay"):
            self.say("(paying...)")
            result = self._post(f"/users/{self.user_id}/pay", {"message_id": message_id})
            if result is not None and result["status"] != "paid":
                self.say(f"(payment {result['status']}: {result.get('error_message') or ''})")
            return
        if "callback_data" not in button:
            self.say(f"(link: {button.get('url', 'not supported here')})")
            return
        result = self._post(
            f"/users/{self.user_id}/press",
            {"message_id": message_id, "data": button["callback_data"]},
        )
        if result is None:
            return
        try:
            answer = self._http.get(
                f"/callbacks/{result['callback_query_id']}", params={"timeout": 3}
            )
        except httpx.HTTPError:
            return
        if answer.status_code == 200 and answer.json().get("text"):
            self.say(f"(bot) {answer.json()['text']}")

    def run(self) -> int:
        """Talk until ``/quit`` or end of input; return the exit code."""
        created = self._post(
            "/users", {"id": self.user_id, "first_name": self.name, "language_code": self.language}
        )
        if created is None:
            self.say(f"! cannot use the emulator at {self.base_url}; is `yabot emulator` running?")
            return 1
        self.say(f"Playing as {self.name} (id {self.user_id}, {self.language}). {HELP}")
        watcher = threading.Thread(target=self._follow, name="chat-follow", daemon=True)
        watcher.start()
        interactive = self.stdin.isatty()
        while True:
            if interactive:
                self.stdout.write("> ")
                self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text == "/quit":
                break
            if text.isdigit():
                self._press(int(text))
            else:
                self._post(f"/users/{self.user_id}/messages", {"text": text})
        self._stop.set()
        self._http.close()
        self.say("bye")
        return 0


def main(
    settings: Settings, user_id: int, name: str, language: str, emulator_url: str | None
) -> int:
    """Run ``yabot chat``.

    Args:
        settings: YABOT's settings (the emulator's host and port are the default address).
        user_id: The player's Telegram user id.
        name: The player's first name.
        language: The player's language code (``en`` or ``es``).
        emulator_url: The emulator's base URL; defaults to the configured host and port.

    Returns:
        The process exit code.
    """
    url = emulator_url or (
        f"http://{settings.telegram.emulator_host}:{settings.telegram.emulator_port}"
    )
    return ChatClient(url, user_id, name, language, sys.stdin, sys.stdout).run()
