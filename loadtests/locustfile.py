"""Locust players who play YABOT like people, through the Telegram emulator's player side.

Each locust user is one Telegram user. It opens the chat with /start, reads, and then, after a
think time, does what a reader does next: presses one of the story's buttons, writes an answer
when the bot asked for one, claims the daily reward, or opens the profile. Every interaction
is timed from the player's action to the bot's first reply in the chat (the emulator's
long-poll) and reported as one locust request named after the action, so locust's statistics
are the players' experience. A reply that does not come within ``LOADTEST_REPLY_TIMEOUT_S``
is a failure. The emulator calls themselves are not reported.

The bot may run in webhook or polling mode: the players only talk to the emulator.

Environment: ``LOADTEST_THINK_MIN_S`` / ``LOADTEST_THINK_MAX_S`` (think time: reading and
choosing, default 10-30 s),
``LOADTEST_REPLY_TIMEOUT_S`` (default 10), ``LOADTEST_FIRST_USER_ID`` (default 1,000,000),
``LOADTEST_LANGUAGES`` (default ``en,es``), ``LOADTEST_TOTALS_FILE`` (where to write the run's
final request and failure counts as JSON when locust quits; locust's own stats CSV is rewritten
once a second while it runs, so it can miss the interactions of its last second).

Run (emulator and bot already running): ``locust -f loadtests/locustfile.py --headless
-u 2000 -r 100 -t 60s --host http://127.0.0.1:8081``; or let ``scripts/loadtest`` start
everything.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import time
from typing import Any

from geventhttpclient import HTTPClient
from geventhttpclient.url import URL
from locust import User, between, events, task
from locust.env import Environment
from locust.runners import WorkerRunner

TOTALS_FILE = os.environ.get("LOADTEST_TOTALS_FILE")
THINK_MIN_S = float(os.environ.get("LOADTEST_THINK_MIN_S", "10"))
THINK_MAX_S = float(os.environ.get("LOADTEST_THINK_MAX_S", "30"))
REPLY_TIMEOUT_S = float(os.environ.get("LOADTEST_REPLY_TIMEOUT_S", "10"))
FIRST_USER_ID = int(os.environ.get("LOADTEST_FIRST_USER_ID", "1000000"))
LANGUAGES = os.environ.get("LOADTEST_LANGUAGES", "en,es").split(",")
ASKS = ("Write your answer", "Escribe tu respuesta")
ANSWERS = {
    "en": [
        "I feel curious and a little afraid",
        "Honestly it makes me sad",
        "I love this place",
        "I don't trust him yet",
        "ok",
    ],
    "es": [
        "Siento curiosidad y un poco de miedo",
        "La verdad me pone triste",
        "Me encanta este lugar",
        "Todavía no confío en él",
        "vale",
    ],
}
SETTLE_S = 0.25

_ids = itertools.count(FIRST_USER_ID)
_environment: Environment | None = None


def _remember_environment(environment: Environment, **_: Any) -> None:
    global _environment
    _environment = environment


def _write_totals(exit_code: int, **_: Any) -> None:
    """Write the final counts, the same as locust's printed summary, to ``TOTALS_FILE``."""
    if TOTALS_FILE is None or _environment is None:
        return
    if isinstance(_environment.runner, WorkerRunner):
        return  # the master writes the totals of all workers
    stats = _environment.stats
    totals = {
        "requests": stats.total.num_requests,
        "failures": stats.total.num_failures,
        "by_name": {
            name: {"requests": entry.num_requests, "failures": entry.num_failures}
            for (name, _method), entry in sorted(stats.entries.items())
        },
        "exit_code": exit_code,
    }
    with open(TOTALS_FILE, "w", encoding="utf-8") as f:
        json.dump(totals, f)


events.init.add_listener(_remember_environment)  # type: ignore[no-untyped-call]
events.quit.add_listener(_write_totals)  # type: ignore[no-untyped-call]


class BotDidNotAnswer(Exception):
    """No bot message within the reply timeout."""


class EmulatorError(Exception):
    """The emulator refused a player's action."""


class Chat:
    """One player's view of their private chat with the bot, over the emulator's player API."""

    def __init__(self, host: str, user_id: int) -> None:
        url = URL(host)
        self.http = HTTPClient(
            url.host,
            url.port,
            concurrency=1,
            connection_timeout=10,
            network_timeout=REPLY_TIMEOUT_S + 30,
        )
        self.user_id = user_id
        self.seen = 0
        self.buttons: tuple[int, list[str]] | None = None
        self.asked = False
        self.ended = False

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        response = self.http.request(method, path, body=data, headers=headers)
        payload = response.read()
        if response.status_code >= 400:
            raise EmulatorError(
                f"{method} {path.split('?')[0]}: {response.status_code} {payload[:200]!r}"
            )
        return json.loads(payload) if payload else None

    def messages(self, timeout: float) -> list[dict[str, Any]]:
        path = (
            f"/_emulator/chats/{self.user_id}/messages?after_id={self.seen}&timeout={timeout:.3f}"
        )
        got: list[dict[str, Any]] = self.call("GET", path)["messages"]
        for message in got:
            self.seen = max(self.seen, message["message_id"])
            self.read(message)
        return got

    def read(self, message: dict[str, Any]) -> None:
        choices = [
            b["callback_data"]
            for row in message.get("buttons") or []
            for b in row
            if b.get("callback_data", "").startswith("c:")
        ]
        text = message.get("text") or ""
        if message.get("buttons"):
            self.buttons = (message["message_id"], choices) if choices else None
            self.ended = not choices
        if any(ask in text for ask in ASKS):
            self.asked = True

    def wait_reply(self) -> int:
        """Wait for the bot's first reply, then read the rest of its turn; return the count."""
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        got: list[dict[str, Any]] = []
        while not got:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BotDidNotAnswer(f"no reply within {REPLY_TIMEOUT_S} s")
            got = self.messages(min(left, 10.0))
        return len(got)

    def read_rest(self) -> None:
        """Read what the bot sends after its first reply (the rest of a story turn)."""
        while self.messages(SETTLE_S):
            pass


class Player(User):
    """A person reading the story: acts, waits for the bot, reads, thinks, acts again."""

    wait_time = between(THINK_MIN_S, THINK_MAX_S)
    abstract = False

    def on_start(self) -> None:
        self.user_id = next(_ids)
        self.language = random.choice(LANGUAGES)
        if self.host is None:
            raise ValueError("give the emulator's URL with --host")
        self.chat = Chat(self.host, self.user_id)
        self.chat.call(
            "POST",
            "/_emulator/users",
            {"id": self.user_id, "first_name": "Player", "language_code": self.language},
        )
        self.act("/start", lambda: self.send("/start"))

    def on_stop(self) -> None:
        self.chat.http.close()

    def act(self, name: str, action: Any) -> None:
        """Do ``action``, wait for the bot's reply, and report the time as request ``name``."""
        started = time.perf_counter()
        error: Exception | None = None
        replies = 0
        try:
            self.chat.messages(0)  # what is left of the previous turn is not this reply
            action()
            replies = self.chat.wait_reply()
        except (BotDidNotAnswer, EmulatorError, OSError) as exc:
            error = exc
        events.request.fire(  # type: ignore[no-untyped-call]
            request_type="player",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=replies,
            exception=error,
            context={},
        )
        if error is None:
            with contextlib.suppress(EmulatorError, OSError):
                self.chat.read_rest()

    def send(self, text: str) -> None:
        self.chat.call("POST", f"/_emulator/users/{self.user_id}/messages", {"text": text})

    def press(self, message_id: int, data: str) -> None:
        self.chat.call(
            "POST",
            f"/_emulator/users/{self.user_id}/press",
            {"message_id": message_id, "data": data},
        )

    @task(10)
    def play(self) -> None:
        """Press a story button, or write the answer the bot asked for."""
        chat = self.chat
        # Like a person, decide on what is on screen now: the rest of the last turn may have
        # arrived during the think time (its buttons are on its last message).
        with contextlib.suppress(EmulatorError, OSError):
            chat.messages(0)
        if chat.asked:
            chat.asked = False
            answer = random.choice(ANSWERS.get(self.language, ANSWERS["en"]))
            self.act("answer", lambda: self.send(answer))
        elif chat.buttons is not None:
            message_id, choices = chat.buttons
            chat.buttons = None
            self.act("press button", lambda: self.press(message_id, random.choice(choices)))
        else:
            self.act("/start", lambda: self.send("/start"))

    @task(1)
    def daily(self) -> None:
        """Claim the daily reward."""
        self.act("/daily", lambda: self.send("/daily"))

    @task(1)
    def profile(self) -> None:
        """Open the profile."""
        self.act("/profile", lambda: self.send("/profile"))
