"""Webhook delivery: secret header, retries of non-2xx answers, per-chat order, allowed_updates."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from yabot.emulator.server import EmulatorServer
from yabot.emulator.state import Emulator, EmulatorConfig

TOKEN = "555:hook"
SECRET = "s3cr3t_Token-x"


class Receiver:
    """A webhook endpoint that records every attempt and fails chosen updates a few times."""

    def __init__(self) -> None:
        self.attempts: list[dict[str, Any]] = []
        self.fail_times: dict[int, int] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                update_id = body["update_id"]
                with receiver.lock:
                    failures_left = receiver.fail_times.get(update_id, 0)
                    if failures_left:
                        receiver.fail_times[update_id] = failures_left - 1
                    status = 500 if failures_left else 200
                    receiver.attempts.append(
                        {
                            "update_id": update_id,
                            "secret": self.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                            "chat": body.get("message", {}).get("chat", {}).get("id"),
                            "status": status,
                            "at": time.monotonic(),
                        }
                    )
                time.sleep(0.02)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def successes(self) -> list[dict[str, Any]]:
        with self.lock:
            return [a for a in self.attempts if a["status"] == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    hook.thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    config = EmulatorConfig(webhook_retry_base_s=0.3, webhook_retry_max_s=1.0)
    with (
        EmulatorServer(Emulator(config, tokens=[TOKEN])) as server,
        httpx.Client(base_url=server.url, timeout=15) as http,
    ):
        for user_id in (1, 2):
            http.post("/_emulator/users", json={"id": user_id, "first_name": f"U{user_id}"})
        yield http


def bot(client: httpx.Client, method: str, **params: Any) -> Any:
    body = client.post(f"/bot{TOKEN}/{method}", json=params).json()
    assert body["ok"], body
    return body["result"]


def say(client: httpx.Client, user_id: int, text: str) -> int:
    update_id: int = client.post(
        f"/_emulator/users/{user_id}/messages", json={"text": text}
    ).json()["update_id"]
    return update_id


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_failed_update_is_retried_and_blocks_only_its_chat(
    client: httpx.Client, receiver: Receiver
) -> None:
    first = say(client, 1, "a1")
    receiver.fail_times[first] = 2
    bot(client, "setWebhook", url=receiver.url, secret_token=SECRET)
    later_same_chat = [say(client, 1, f"a{i}") for i in range(2, 5)]
    other_chat = [say(client, 2, f"b{i}") for i in range(3)]
    everything = [first, *later_same_chat, *other_chat]
    wait_for(lambda: len(receiver.successes()) == len(everything))

    attempts = receiver.attempts
    assert all(a["secret"] == SECRET for a in attempts)
    assert [a["status"] for a in attempts if a["update_id"] == first] == [500, 500, 200]
    chat_one = [a["update_id"] for a in attempts if a["chat"] == 1]
    assert chat_one == [first, first, first, *later_same_chat], "chat order must hold"
    first_ok = next(a["at"] for a in attempts if a["update_id"] == first and a["status"] == 200)
    other_done = max(a["at"] for a in attempts if a["chat"] == 2)
    assert other_done < first_ok, "another chat must not wait for a failing one"
    assert sorted(a["update_id"] for a in receiver.successes()) == sorted(everything)

    wait_for(lambda: bot(client, "getWebhookInfo")["pending_update_count"] == 0)
    info = bot(client, "getWebhookInfo")
    assert info["url"] == receiver.url
    assert "500" in info["last_error_message"]


def test_updates_wait_while_the_webhook_is_down_then_arrive(client: httpx.Client) -> None:
    bot(client, "setWebhook", url="http://127.0.0.1:9/nothing-listens", secret_token=SECRET)
    say(client, 1, "lost?")
    wait_for(lambda: "last_error_message" in bot(client, "getWebhookInfo"))
    info = bot(client, "getWebhookInfo")
    assert info["pending_update_count"] == 1
    assert info["last_error_message"].startswith("Connection failed")
    bot(client, "deleteWebhook")
    updates = bot(client, "getUpdates")
    assert [u["message"]["text"] for u in updates] == ["lost?"]


def test_webhook_allowed_updates_are_honoured(client: httpx.Client, receiver: Receiver) -> None:
    bot(client, "setWebhook", url=receiver.url, allowed_updates=["callback_query"])
    assert say(client, 1, "dropped") is None
    bot(client, "setWebhook", url=receiver.url, allowed_updates=["message"])
    kept = say(client, 1, "kept")
    wait_for(lambda: len(receiver.successes()) == 1)
    assert receiver.successes()[0]["update_id"] == kept
    assert client.get("/_emulator/bots").json()[0]["dropped_updates"] == 1


def test_switching_back_to_polling_keeps_undelivered_updates(
    client: httpx.Client, receiver: Receiver
) -> None:
    update_id = say(client, 1, "x")
    receiver.fail_times[update_id] = 1000
    bot(client, "setWebhook", url=receiver.url)
    wait_for(lambda: len(receiver.attempts) >= 1)
    bot(client, "deleteWebhook")
    assert [u["update_id"] for u in bot(client, "getUpdates")] == [update_id]
