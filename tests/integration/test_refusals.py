"""A refused update is applied later, exactly once, in its player's order; a full mailbox or a
held update delays only its own player.

The bot runs whole (webhook mode, in-process) against the emulator. Two faults are injected
around the real records database (every call goes through to it): a refusal (``OutboxFull``)
of one player's batches, and a gate that holds one player's transition (so its mailbox
fills). The outbox-full test needs no injection: Redis goes down, the real event backlog
reaches its disk budget, then Redis comes back.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.events.private_redis import RedisServer
from tests.integration.harness import SECRET, TOKEN, Emu, RunningBot, bot_settings
from yabot.events.models import UpdateProcessed, make_event
from yabot.player.actor import Inspect
from yabot.storage.records import OutboxFull, RecordBatch, RecordsDb

A, B = 5_501, 5_502


class _Update:
    def __init__(self) -> None:
        self.next_id = 700_000_000

    def __call__(self, user_id: int, text: str) -> dict[str, Any]:
        self.next_id += 1
        return {
            "update_id": self.next_id,
            "message": {
                "message_id": self.next_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "P"},
                "from": {"id": user_id, "is_bot": False, "first_name": "P", "language_code": "en"},
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
            },
        }


def _post(bot: RunningBot, body: dict[str, Any]) -> int:
    r = httpx.post(
        f"{bot.api_url}/telegram/webhook",
        json=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        timeout=10,
    )
    return r.status_code


def _texts(emu: Emu, user_id: int) -> list[str]:
    r = emu.http.get(f"{emu.url}/_emulator/chats/{user_id}/messages")
    r.raise_for_status()
    return [m.get("text", "") for m in r.json()["messages"]]


def _wait(emu: Emu, user_id: int, count: int, timeout: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        got = _texts(emu, user_id)
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def _state(bot: RunningBot, user_id: int) -> dict[str, Any]:
    state: dict[str, Any] = bot.runtime().directory.ask(user_id, Inspect()).get(timeout=10)
    return state


def _dailies(records: RecordsDb, user_id: int) -> int:
    return sum(1 for m in records.movements(user_id, 100) if m.reason == "daily reward")


class _Faulty:
    """The real records database, except that it refuses or holds one player's batches."""

    def __init__(self, real: RecordsDb, user_id: int) -> None:
        self._real = real
        self._user_id = user_id
        self.refuse = threading.Event()
        self.gate = threading.Event()
        self.gate.set()
        self.refused = 0
        self.held = threading.Event()

    def _mine(self, batch: RecordBatch) -> bool:
        return any(r.user_id == self._user_id for r in batch.replies)

    def apply(self, batch: RecordBatch) -> Any:
        if self._mine(batch):
            if self.refuse.is_set():
                self.refused += 1
                raise OutboxFull(1, 1)
            if not self.gate.is_set():
                self.held.set()
                self.gate.wait(30)
        return self._real.apply(batch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def make_bot(emu: Emu, tmp_path: Path) -> Iterator[Any]:
    bots: list[RunningBot] = []

    def make(**env: str) -> RunningBot:
        settings = bot_settings(
            tmp_path / "data",
            emu.url,
            "webhook",
            YABOT_RUNTIME__RESTART_BACKOFF_MAX_S="0.3",
            **env,
        )
        bot = RunningBot(settings).start()
        bots.append(bot)
        state = emu.emulator.register_bot(TOKEN)
        for user_id in (A, B):
            emu.player(user_id, "P", "en")
            state.started.add(user_id)
        return bot

    yield make
    for bot in bots:
        bot.stop()


def test_a_refused_update_is_retried_and_applied_once_while_others_play(
    emu: Emu, make_bot: Any
) -> None:
    bot = make_bot()
    runtime = bot.runtime()
    faulty = _Faulty(runtime.records, A)
    runtime.effects.records = faulty  # type: ignore[assignment]
    update = _Update()
    faulty.refuse.set()
    assert _post(bot, update(A, "/daily")) == 200
    assert _post(bot, update(A, "/wallet")) == 200  # waits behind the refused one
    for _ in range(3):
        assert _post(bot, update(B, "/help")) == 200
    assert len(_wait(emu, B, 3)) == 3, "the other player plays on"
    deadline = time.monotonic() + 10
    while faulty.refused < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert faulty.refused >= 3, "the refused update is tried again, with backoff"
    assert _texts(emu, A) == [], "nothing of the held player's updates was applied yet"
    faulty.refuse.clear()

    texts = _wait(emu, A, 2)
    assert len(texts) >= 2
    time.sleep(1.0)
    texts = _texts(emu, A)
    assert "besitos" in texts[-1].lower() or "wallet" in texts[-1].lower() or texts[-1]
    assert _dailies(runtime.records, A) == 1, "the daily reward was credited exactly once"
    state = _state(bot, A)
    assert state["transitions"] == 2, "both updates applied, each once"
    assert state["economy"]["balance"] == runtime.records.balance(A)
    assert _state(bot, B)["transitions"] == 3


def test_a_full_mailbox_delays_only_its_own_player(emu: Emu, make_bot: Any) -> None:
    bot = make_bot(YABOT_RUNTIME__MAILBOX_LIMIT="2")
    runtime = bot.runtime()
    faulty = _Faulty(runtime.records, A)
    runtime.effects.records = faulty  # type: ignore[assignment]
    update = _Update()
    faulty.gate.clear()  # A's first transition stops inside its records transaction
    assert _post(bot, update(A, "/help")) == 200
    assert faulty.held.wait(10)
    sent = [update(A, f"/c{n}") for n in range(1, 7)]
    for body in sent:
        assert _post(bot, body) == 200, "accepted (it is durable in the inbox)"
    assert runtime.router.deferred(A) >= 3, "A's mailbox (limit 2) is full: the rest waits"
    for _ in range(3):
        assert _post(bot, update(B, "/help")) == 200
    assert len(_wait(emu, B, 3)) == 3, "the other player is answered meanwhile"
    assert _texts(emu, A) == []
    faulty.gate.set()

    texts = _wait(emu, A, 7)
    assert len(texts) == 7
    order = [m.group(0) for t in texts if (m := re.search(r"/c\d\b", t))]
    assert order == [f"/c{n}" for n in range(1, 7)], texts
    time.sleep(0.5)
    assert len(_texts(emu, A)) == 7, "each applied once"
    assert _state(bot, A)["transitions"] == 7
    assert runtime.router.deferred(A) == 0


def test_outbox_full_refuses_for_now_and_the_update_is_applied_once_when_it_drains(
    emu: Emu, make_bot: Any, tmp_path: Path
) -> None:
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    try:
        bot = make_bot(
            YABOT_EVENTS__REDIS_URL=redis_server.url,
            YABOT_EVENTS__OUTBOX_DISK_BUDGET_MB="1",
            YABOT_EVENTS__STREAM="yabot:test:refusals",
        )
        runtime = bot.runtime()
        records = runtime.records
        budget = records.outbox_budget_bytes
        redis_server.stop()  # the relay cannot publish: the backlog grows
        update = _Update()

        # The sizes of the two players' batches (others play the same commands first).
        def size_of(user_id: int, text: str) -> int:
            before = records.outbox_backlog_fast().bytes
            assert _post(bot, update(user_id, text)) == 200
            _wait(emu, user_id, 1)
            time.sleep(0.3)
            return records.outbox_backlog_fast().bytes - before

        emu.player(5_511, "P", "en")
        emu.player(5_512, "P", "en")
        bot_state = emu.emulator.register_bot(TOKEN)
        bot_state.started.update({5_511, 5_512})
        size_a = size_of(5_511, "/daily")
        size_b = size_of(5_512, "/profile")
        assert size_a > size_b > 0, (size_a, size_b)

        # Fill the backlog until A's batch no longer fits but B's does.
        n = 0
        while records.outbox_backlog_fast().bytes <= budget - size_a:
            n += 1
            filler = [
                make_event(
                    UpdateProcessed(update_id=n, kind="filler"),
                    user_id=1,
                    idempotency_key=f"fill:{n}:{i}",
                )
                for i in range(1 if budget - records.outbox_backlog_fast().bytes < 20_000 else 40)
            ]
            records.apply(RecordBatch(events=filler))
        assert records.outbox_backlog_fast().bytes <= budget - size_b, "no room for B's batch"

        refused = _metric(bot, 'yabot_transitions_total{outcome="rejected_outbox_full"}')
        assert _post(bot, update(A, "/daily")) == 200  # admitted: the backlog is under budget
        assert _post(bot, update(B, "/profile")) == 200
        assert len(_wait(emu, B, 1)) == 1, "B's smaller batch fits: B is answered"
        time.sleep(1.0)
        assert _texts(emu, A) == [], "A's daily is refused for now"
        assert _metric(bot, 'yabot_transitions_total{outcome="rejected_outbox_full"}') > refused

        redis_server.start()  # the relay drains the backlog; A's update is tried again
        assert len(_wait(emu, A, 1, timeout=40)) >= 1, "A's daily is applied once it fits"
        time.sleep(1.0)
        assert _dailies(records, A) == 1
        assert _state(bot, A)["transitions"] == 1
        assert _state(bot, B)["transitions"] == 1
    finally:
        redis_server.kill()


def _metric(bot: RunningBot, name: str) -> float:
    text = httpx.get(bot.api_url + "/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0
