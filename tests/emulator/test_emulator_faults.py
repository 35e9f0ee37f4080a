"""Injected 429/5xx/latency, flood control, the retry_after audit, and update delivery order."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yabot.emulator.server import EmulatorServer, create_app
from yabot.emulator.state import Emulator

TOKEN = "777:faults"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with (
        EmulatorServer(Emulator(tokens=[TOKEN])) as server,
        httpx.Client(base_url=server.url, timeout=15) as http,
    ):
        for user_id in (1, 2, 3, 4, 5, 6):
            http.post("/_emulator/users", json={"id": user_id, "first_name": f"U{user_id}"})
            http.post(f"/_emulator/users/{user_id}/messages", json={"text": "/start"})
        yield http


def send(client: httpx.Client, chat_id: int = 1, text: str = "hi") -> httpx.Response:
    return client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": chat_id, "text": text})


def faults(client: httpx.Client, **config: Any) -> None:
    response = client.put("/_emulator/faults", json=config)
    assert response.status_code == 200, response.text


def test_injected_429_blocks_the_chat_for_retry_after(client: httpx.Client) -> None:
    faults(client, error_429_next=1, retry_after=1, methods=["sendMessage"])
    first = send(client)
    assert first.status_code == 429
    assert first.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert send(client, chat_id=2).status_code == 200
    too_soon = send(client)
    assert too_soon.status_code == 429
    time.sleep(1.05)
    assert send(client).status_code == 200
    calls = client.get("/_emulator/calls", params={"method": "sendMessage"}).json()
    by_chat_one = [c for c in calls if c["chat_id"] == 1]
    assert [c["status"] for c in by_chat_one] == [429, 429, 200]
    assert by_chat_one[1]["violates"] == by_chat_one[0]["seq"]
    assert by_chat_one[0]["violates"] is None and by_chat_one[2]["violates"] is None
    assert client.get("/_emulator/stats").json()["retry_after_violations"] == 1


def test_injected_5xx_only_for_chosen_methods(client: httpx.Client) -> None:
    faults(client, error_5xx_fraction=1.0, status_5xx=503, methods=["sendMessage"], seed=1)
    failed = send(client)
    assert failed.status_code == 503 and failed.json()["ok"] is False
    assert client.get(f"/bot{TOKEN}/getMe").status_code == 200
    client.delete("/_emulator/faults")
    assert send(client).status_code == 200


def test_fraction_of_faults_is_seeded_and_repeatable(client: httpx.Client) -> None:
    patterns = []
    for _ in range(2):
        faults(client, error_5xx_fraction=0.5, seed=3, methods=["getMe"])
        patterns.append([client.get(f"/bot{TOKEN}/getMe").status_code for _ in range(40)])
    assert patterns[0] == patterns[1]
    assert 0 < patterns[0].count(502) < 40
    assert set(patterns[0]) == {200, 502}


def test_added_latency_delays_answers(client: httpx.Client) -> None:
    faults(client, latency_ms=300)
    started = time.monotonic()
    assert client.get(f"/bot{TOKEN}/getMe").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_per_chat_flood_control_allows_a_burst_then_429(client: httpx.Client) -> None:
    faults(client, chat_burst=3, chat_rate_per_s=0.2)
    assert [send(client).status_code for _ in range(3)] == [200, 200, 200]
    limited = send(client)
    assert limited.status_code == 429
    assert limited.json()["parameters"]["retry_after"] >= 1
    assert send(client, chat_id=2).status_code == 200


def test_global_flood_control_across_chats(client: httpx.Client) -> None:
    faults(client, global_burst=4, global_rate_per_s=0.2)
    statuses = [send(client, chat_id=c).status_code for c in (1, 2, 3, 4, 5)]
    assert statuses == [200, 200, 200, 200, 429]
    rejected = client.get("/_emulator/calls", params={"method": "sendMessage"}).json()[-1]
    assert rejected["reason"] == "flood" and rejected["chat_id"] == 5


def test_channels_get_the_group_limit(client: httpx.Client) -> None:
    client.post("/_emulator/channels", json={"id": -100123, "title": "VIP"})
    faults(client, group_burst=2, group_rate_per_min=1)
    assert [send(client, chat_id=-100123).status_code for _ in range(3)] == [200, 200, 429]


def test_flood_control_can_be_switched_off_for_load_tests(client: httpx.Client) -> None:
    faults(client, flood_control=False)
    assert all(send(client).status_code == 200 for _ in range(40))


def test_bad_fault_settings_are_refused(client: httpx.Client) -> None:
    assert client.put("/_emulator/faults", json={"error_429_fraction": 2}).status_code == 422
    assert client.put("/_emulator/faults", json={"surprise": 1}).status_code == 422


async def _deliver_all(plan: list[tuple[str, int]]) -> tuple[list[tuple[int, str]], list[Any]]:
    emulator = Emulator(tokens=[TOKEN])
    transport = httpx.ASGITransport(app=create_app(emulator))
    sent: list[tuple[int, str]] = []
    received: list[Any] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as http:
        for user_id in (1, 2, 3):
            await http.post("/_emulator/users", json={"id": user_id, "first_name": "P"})
        offset = 0

        async def poll(limit: int) -> None:
            nonlocal offset
            body = (
                await http.post(f"/bot{TOKEN}/getUpdates", json={"offset": offset, "limit": limit})
            ).json()
            again = (
                await http.post(f"/bot{TOKEN}/getUpdates", json={"offset": offset, "limit": limit})
            ).json()
            assert again["result"] == body["result"], "unconfirmed updates must be redelivered"
            for update in body["result"]:
                received.append(update)
                offset = update["update_id"] + 1

        for action, value in plan:
            if action == "say":
                text = f"u{value}-{len(sent)}"
                await http.post(f"/_emulator/users/{value}/messages", json={"text": text})
                sent.append((value, text))
            else:
                await poll(value)
        while True:
            before = len(received)
            await poll(100)
            if len(received) == before:
                break
    return sent, received


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("say"), st.integers(1, 3)),
            st.tuples(st.just("poll"), st.integers(1, 4)),
        ),
        max_size=40,
    )
)
def test_get_updates_delivers_each_update_once_in_order(plan: list[tuple[str, int]]) -> None:
    sent, received = asyncio.run(_deliver_all(plan))
    ids = [u["update_id"] for u in received]
    assert ids == list(range(1, len(sent) + 1))
    assert [(u["message"]["from"]["id"], u["message"]["text"]) for u in received] == sent


def test_a_player_message_waits_briefly_for_a_starting_bot() -> None:
    with EmulatorServer(Emulator()) as server, httpx.Client(base_url=server.url) as http:
        http.post("/_emulator/users", json={"id": 1, "first_name": "Early"})
        timer = threading.Timer(0.5, lambda: httpx.get(f"{server.url}/bot{TOKEN}/getMe"))
        timer.start()
        sent = http.post("/_emulator/users/1/messages", json={"text": "/start"})
        timer.join()
        assert sent.status_code == 200 and sent.json()["bot_id"] == 777
        other = http.post("/_emulator/users/1/messages", json={"text": "x", "bot_id": 1})
        assert other.status_code == 404
