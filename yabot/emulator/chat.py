"""``yabot chat``: play with the bot in a terminal, through the emulator's player side.

The bot's messages are printed as they arrive (edits and deletions too), above the prompt.
Buttons are numbered across the bot's messages since your last action. Type text or a
/command to send it. When the bot's messages since your last action have buttons (a notice
after them, such as a mission done, does not hide them), a number presses one; a number beyond
them, or any number when there are none (a question), is your answer. ``#N`` always presses
button N, and a leading ``'`` sends the rest as text. Pay buttons (invoices, Stars
subscription links) pay. ``/quit`` (or end of input) leaves.

If the emulator starts again (``yabot run`` restarted), it has forgotten the player: the
client registers the player again and says so.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from typing import Any, TextIO

import httpx

from yabot.config import Settings, TelegramSettings

PROMPT = "> "
HELP = (
    "Type a message or /command. When the bot's messages show buttons, a number presses "
    "one (#N always does, 'N sends N as text); pay buttons pay. /quit exits."
)
POLL_TIMEOUT_S = 20.0
RETRY_S = 2.0
INVOICE_LINK = re.compile(r"^https://t\.me/\$[A-Za-z0-9_-]+$")
CLEAR_LINE = "\r\x1b[K"


def configured_url(settings: Settings) -> str:
    """The emulator's base URL in ``settings`` (what ``yabot chat`` uses without --emulator)."""
    return f"http://{settings.telegram.emulator_host}:{settings.telegram.emulator_port}"


def chat_command(url: str, program: str = ".venv/bin/yabot") -> str:
    """The command that opens ``yabot chat`` on the emulator at ``url``.

    Plain ``yabot chat`` when ``url`` is the built-in default address; else with
    ``--emulator url`` (ports overridden by config or ``YABOT_*``, or a free port), which
    works whatever environment the other terminal has.
    """
    url = url.rstrip("/")
    defaults = TelegramSettings.model_validate({})
    if url == f"http://{defaults.emulator_host}:{defaults.emulator_port}":
        return f"{program} chat"
    return f"{program} chat --emulator {url}"


@dataclass
class _Button:
    message_id: int
    spec: dict[str, Any]


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
        self.interactive = stdin.isatty()
        self._http = httpx.Client(
            base_url=self.base_url + "/_emulator", timeout=POLL_TIMEOUT_S + 15
        )
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._prompting = False
        self._buttons: list[_Button] = []
        self._batch_open = False  # False after the player acted: the next bot message renumbers
        self._after = 0
        self._line_buffer = _line_buffer if self.interactive and stdin is sys.stdin else None

    # ----- output -----------------------------------------------------------------------
    def say(self, line: str) -> None:
        """Print lines of the conversation above the prompt (thread-safe)."""
        with self._lock:
            if self._prompting:
                typed = self._line_buffer() if self._line_buffer is not None else ""
                self.stdout.write(f"{CLEAR_LINE}{line}\n{PROMPT}{typed}")
            else:
                self.stdout.write(line + "\n")
            self.stdout.flush()

    def _show(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if not message["from_bot"]:
            payment = message.get("successful_payment")
            if payment:
                self.say(f"(you paid {payment['total_amount']} {payment['currency']})")
            return
        message_id = message["message_id"]
        with self._lock:
            self._buttons = [b for b in self._buttons if b.message_id != message_id]
            if event["type"] == "delete":
                self.say("bot deleted a message")
                return
            if event["type"] == "new" and not self._batch_open:
                self._buttons, self._batch_open = [], True
            head = "bot (edited):" if event["type"] == "edit" else "bot:"
            self.say(f"{head} {_body(message, styled=self.interactive)}")
            buttons = [b for row in message.get("buttons") or [] for b in row]
            first = len(self._buttons) + 1
            self._buttons += [_Button(message_id, b) for b in buttons]
            if buttons:
                labels = (f"{n}) {b['text']}" for n, b in enumerate(buttons, first))
                self.say("   " + "   ".join(labels))

    # ----- the emulator -----------------------------------------------------------------
    def _register(self) -> bool:
        return self._registration_problem() is None

    def _registration_problem(self) -> str | None:
        """Register the player; None when done, else what to tell the person."""
        try:
            response = self._http.post(
                "/users",
                json={"id": self.user_id, "first_name": self.name, "language_code": self.language},
            )
        except httpx.HTTPError:
            return (
                f"! no emulator answers at {self.base_url}. Start YABOT locally with scripts/run "
                "(its banner prints the exact chat command) or start `yabot emulator`; "
                "or pass --emulator URL."
            )
        if response.status_code != 200:
            return f"! the emulator at {self.base_url} refused this player: {_detail(response)}"
        return None

    def _rejoin(self) -> None:
        """The emulator started again and forgot the player: register again, say so."""
        if not self._register():
            return
        with self._lock:
            self._after = 0
            self._buttons, self._batch_open = [], False
        self.say(
            "(the emulator started again and had forgotten you: registered you again as "
            f"{self.name}; the earlier buttons are gone, type a message to carry on)"
        )

    def _follow(self) -> None:
        trouble: str | None = None
        while not self._stop.is_set():
            problem: str | None = None
            try:
                response = self._http.get(
                    f"/chats/{self.user_id}/events",
                    params={"after": self._after, "timeout": POLL_TIMEOUT_S},
                )
            except httpx.HTTPError as exc:
                if self._stop.is_set():
                    return
                problem = f"the emulator at {self.base_url} does not answer ({type(exc).__name__})"
            else:
                if response.status_code == 404:
                    self._rejoin()
                    trouble = None  # what the rejoin said covers it
                    continue
                if response.status_code == 409:
                    problem = "waiting for the bot to connect to the emulator..."
                elif response.status_code != 200:
                    problem = f"the emulator answered {response.status_code}: {_detail(response)}"
            if problem is not None:
                if problem != trouble:
                    self.say(f"({problem}; retrying every {RETRY_S:g} s)")
                    trouble = problem
                self._stop.wait(RETRY_S)
                continue
            if trouble is not None:
                self.say("(the emulator answers again)")
                trouble = None
            data = response.json()
            if self._stop.is_set():
                return
            with self._lock:
                if data["last"] < self._after:  # a younger log: the emulator started again
                    self._after = 0
                    continue
                for event in data["events"]:
                    self._show(event)
                self._after = data["last"]

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        for attempt in range(2):
            try:
                response = self._http.post(path, json=body)
            except httpx.HTTPError as exc:
                self.say(
                    f"! the emulator at {self.base_url} does not answer ({type(exc).__name__}); "
                    "is `yabot run` still running?"
                )
                return None
            gone = response.status_code == 404 and "no user with id" in _detail(response)
            if gone and attempt == 0:
                self._rejoin()
                continue
            if response.status_code >= 400:
                self.say(f"! {_detail(response)}")
                return None
            result: dict[str, Any] = response.json()
            return result
        return None

    # ----- the player's actions ---------------------------------------------------------
    def _acted(self) -> None:
        with self._lock:
            self._batch_open = False

    def _press(self, number: int) -> None:
        with self._lock:
            chosen = self._buttons[number - 1] if 0 < number <= len(self._buttons) else None
        if chosen is None:
            self.say(f"! there is no button {number}")
            return
        self._acted()
        button = chosen.spec
        link = button.get("url") or ""
        if button.get("pay") or INVOICE_LINK.match(link):
            self.say("(paying...)")
            target = {"invoice_link": link} if link else {"message_id": chosen.message_id}
            result = self._post(f"/users/{self.user_id}/pay", target)
            if result is not None and result["status"] != "paid":
                self.say(f"(payment {result['status']}: {result.get('error_message') or ''})")
            return
        if "callback_data" not in button:
            self.say(f"(link: {link or 'not supported here'})")
            return
        result = self._post(
            f"/users/{self.user_id}/press",
            {"message_id": chosen.message_id, "data": button["callback_data"]},
        )
        if result is not None:  # the bot's notice, if any, shows when it comes
            query_id = result["callback_query_id"]
            threading.Thread(target=self._notice, args=(query_id,), daemon=True).start()

    def _notice(self, query_id: str) -> None:
        try:
            answer = self._http.get(f"/callbacks/{query_id}", params={"timeout": 3})
        except httpx.HTTPError:
            return
        if answer.status_code == 200 and answer.json().get("text"):
            self.say(f"bot (notice): {answer.json()['text']}")

    def _send(self, text: str) -> None:
        self._acted()
        self._post(f"/users/{self.user_id}/messages", {"text": text})

    def handle(self, text: str) -> None:
        """Act on one typed line (already stripped, not empty, not ``/quit``)."""
        if text.startswith("'") and len(text) > 1:
            self._send(text[1:])
        elif text.startswith("#") and text[1:].isdigit():
            self._press(int(text[1:]))
        elif text.isdigit():
            with self._lock:  # buttons shown since the player's last action, notices after them too
                press = 0 < int(text) <= len(self._buttons)
            if press:
                self._press(int(text))
            else:
                self._send(text)  # an answer (a question, or a number beyond the buttons)
        else:
            self._send(text)

    def _read_line(self) -> str | None:
        with self._lock:
            if self.interactive:
                self.stdout.write(PROMPT)
                self.stdout.flush()
                self._prompting = True
        try:
            if self._line_buffer is not None:
                try:
                    return input() + "\n"
                except EOFError:
                    return None
            line = self.stdin.readline()
            return line or None
        finally:
            with self._lock:
                self._prompting = False

    def run(self) -> int:
        """Talk until ``/quit`` or end of input; return the exit code."""
        problem = self._registration_problem()
        if problem is not None:
            self.say(problem)
            return 1
        self.say(f"Playing as {self.name} (id {self.user_id}, {self.language}). {HELP}")
        watcher = threading.Thread(target=self._follow, name="chat-follow", daemon=True)
        watcher.start()
        try:
            while True:
                line = self._read_line()
                if line is None:
                    break
                text = line.strip()
                if not text:
                    continue
                if text == "/quit":
                    break
                self.handle(text)
        except KeyboardInterrupt:
            pass
        self._stop.set()
        self._http.close()
        self.say("bye")
        return 0


def _line_buffer() -> str:
    """What the person has typed at the prompt so far (readline's buffer)."""
    try:
        import readline
    except ImportError:  # pragma: no cover - readline ships with CPython on Linux and macOS
        return ""
    return readline.get_line_buffer()


STYLES = {"bold": ("\x1b[1m", "\x1b[22m"), "italic": ("\x1b[3m", "\x1b[23m")}


def formatted(text: str, entities: list[dict[str, Any]], styled: bool) -> str:
    """``text`` as a terminal shows Telegram's formatting: bold and italic with ANSI styles
    when ``styled``, a text link followed by its address in brackets."""
    units = text.encode("utf-16-le")  # entity offsets and lengths count UTF-16 code units
    marks: dict[int, list[str]] = {}
    for entity in entities:
        start, end = 2 * entity["offset"], 2 * (entity["offset"] + entity["length"])
        if entity["type"] in STYLES and styled:
            on, off = STYLES[entity["type"]]
            marks.setdefault(start, []).append(on)
            marks.setdefault(end, []).insert(0, off)
        elif entity["type"] == "text_link" and entity.get("url"):
            marks.setdefault(end, []).insert(0, f" ({entity['url']})")
    if not marks:
        return text
    out, position = [], 0
    for cut in sorted(marks):
        out.append(units[position:cut].decode("utf-16-le", errors="replace"))
        out.extend(marks[cut])
        position = cut
    out.append(units[position:].decode("utf-16-le", errors="replace"))
    return "".join(out)


def _body(message: dict[str, Any], styled: bool = False) -> str:
    if message.get("invoice"):
        invoice = message["invoice"]
        return (
            f"Invoice: {invoice['title']} - {invoice['description']} "
            f"({invoice['total_amount']} {invoice['currency']})"
        )
    body = message.get("text")
    if body is not None:
        body = formatted(body, message.get("entities") or [], styled)
    if body is None and message.get("photo"):
        body = "(photo)" + (f" {message['caption']}" if message.get("caption") else "")
    return str(body or "")


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail or response.text or response.reason_phrase)


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
    if sys.stdin.isatty():
        import readline  # noqa: F401  (line editing and the buffer shown under bot messages)
    url = emulator_url or configured_url(settings)
    return ChatClient(url, user_id, name, language, sys.stdin, sys.stdout).run()
