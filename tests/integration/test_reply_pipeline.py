"""ReplyPipeline against the emulator: stored replies to the sender, durable sent marks,
results back to the actor, held replies, and the resend of unconfirmed ones at start-up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from tests.integration.harness import TOKEN, Emu, bot_settings
from yabot.config import Settings
from yabot.player.logic import Reply
from yabot.player.messages import CallResult
from yabot.reply_pipeline import ReplyPipeline
from yabot.storage.records import RecordsDb
from yabot.storage.replies import ReplyOutbox
from yabot.telegram.sender import Sender

USER = 7_701


@pytest.fixture
def parts(emu: Emu, tmp_path: Path) -> Iterator[tuple[Settings, RecordsDb, ReplyOutbox]]:
    settings = bot_settings(tmp_path / "data", emu.url, "polling")
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    records = RecordsDb.open(settings)
    emu.player(USER, "Ana", "en")
    emu.emulator.register_bot(TOKEN).started.add(USER)
    yield settings, records, ReplyOutbox(records)
    records.close()


def _texts(emu: Emu) -> list[str]:
    r = emu.http.get(f"{emu.url}/_emulator/chats/{USER}/messages")
    return [m.get("text", "") for m in r.json()["messages"]]


async def _until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)


def _reply(text: str) -> Reply:
    return Reply("sendMessage", {"chat_id": USER, "text": text}, USER)


async def test_confirmed_replies_are_marked_sent_durably(
    emu: Emu, parts: tuple[Settings, RecordsDb, ReplyOutbox]
) -> None:
    settings, _records, outbox = parts
    told: list[tuple[int, Any]] = []
    pipeline = ReplyPipeline(outbox, lambda u, m: told.append((u, m)), time.time)
    sender = Sender(settings)
    await sender.start()
    assert await pipeline.start(sender) == 0
    for n in range(5):
        await asyncio.to_thread(pipeline.send, _reply(f"hello {n}"), f"k{n}", 40 + n, USER, 100 + n)
    await _until(lambda: len(_texts(emu)) == 5)
    # The emulator stores a message before its answer reaches the sender, so the last
    # confirmation (and its mark) can still be on the way here: wait for the marks in the
    # outbox itself, which reads what is committed.
    await _until(lambda: outbox.pending() == [], timeout=5.0)
    assert await asyncio.to_thread(pipeline.flush_marks, 5.0)
    await asyncio.to_thread(pipeline.send, _reply("hello 0"), "k0", 40, USER, 100)
    await asyncio.sleep(0.3)
    assert _texts(emu) == [f"hello {n}" for n in range(5)], "a stored dedupe key is not sent again"

    # A call whose result the actor asked for comes back to it as a CallResult.
    ask = Reply("getMe", {}, None, result_to=(USER, "probe"))
    await asyncio.to_thread(pipeline.send, ask, "probe", None)
    await _until(lambda: bool(told))
    assert told[0][0] == USER and isinstance(told[0][1], CallResult)
    assert told[0][1].tag == "probe" and told[0][1].error is None
    await sender.stop()
    await pipeline.stop()


async def test_replies_never_confirmed_are_sent_at_the_next_start(
    emu: Emu, parts: tuple[Settings, RecordsDb, ReplyOutbox]
) -> None:
    settings, _records, outbox = parts
    for n in range(3):  # stored by an earlier life that died before Telegram confirmed them
        outbox.put(f"old{n}", 50 + n, USER, "sendMessage", {"chat_id": USER, "text": f"old {n}"})
    resent = REGISTRY.get_sample_value("yabot_replies_resent_total") or 0.0
    pipeline = ReplyPipeline(outbox, lambda u, m: None, time.time)
    sender = Sender(settings)
    await sender.start()
    assert await pipeline.start(sender) == 3
    await _until(lambda: len(_texts(emu)) == 3)
    assert _texts(emu) == ["old 0", "old 1", "old 2"], "in their stored order"
    assert REGISTRY.get_sample_value("yabot_replies_resent_total") == resent + 3
    assert await asyncio.to_thread(pipeline.flush_marks, 5.0)
    assert outbox.pending() == []
    await sender.stop()
    await pipeline.stop()


async def test_a_full_send_queue_holds_a_chats_replies_in_order(emu: Emu, tmp_path: Path) -> None:
    settings = bot_settings(
        tmp_path / "data", emu.url, "polling", YABOT_TELEGRAM__SEND_QUEUE_LIMIT="2"
    )
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    records = RecordsDb.open(settings)
    emu.player(USER, "Ana", "en")
    emu.emulator.register_bot(TOKEN).started.add(USER)
    emu.faults(latency_ms=200, methods=["sendMessage"])
    outbox = ReplyOutbox(records)
    pipeline = ReplyPipeline(outbox, lambda u, m: None, time.time)
    sender = Sender(settings)
    await sender.start()
    await pipeline.start(sender)
    try:
        for n in range(8):
            await asyncio.to_thread(pipeline.send, _reply(f"m{n}"), f"q{n}", 60 + n, USER, n + 1)
        assert pipeline.held > 0, "the sender refused some: they are held, not dropped"
        await _until(lambda: len(_texts(emu)) == 8, timeout=30)
        assert _texts(emu) == [f"m{n}" for n in range(8)], "the chat's order holds"
    finally:
        await sender.stop()
        await pipeline.stop()
        records.close()
