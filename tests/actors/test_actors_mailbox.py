"""Bounded mailboxes refuse loudly, count refusals and lose nothing they accepted."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from actor_helpers import RECORDER

from actors import MailboxFull, PooledActor, WorkerPool


def rejected(actor_class: str, reason: str = "mailbox_full") -> int:
    return RECORDER.count("rejected", actor_class, reason)


class Tiny(PooledActor):
    mailbox_limit = 5

    def __init__(self, gate: threading.Event) -> None:
        super().__init__()
        self.gate = gate
        self.seen: list[Any] = []

    def on_receive(self, message: Any) -> Any:
        self.gate.wait(5)
        self.seen.append(message)
        return list(self.seen)


def test_over_the_limit_tell_and_ask_fail_fast_and_are_counted(pool: WorkerPool) -> None:
    gate = threading.Event()
    ref = Tiny.start(gate)
    ref.tell("first")  # taken by the turn, blocked on the gate
    for _ in range(200):
        if ref.actor_inbox.depth() == 0:
            break
        threading.Event().wait(0.005)
    accepted = []
    for i in range(5):
        ref.tell(i)
        accepted.append(i)
    before = rejected("Tiny")
    with pytest.raises(MailboxFull) as refused:
        ref.tell("one too many")
    assert refused.value.limit == 5
    assert "Tiny" in str(refused.value)
    assert "5 messages" in str(refused.value)
    with pytest.raises(MailboxFull):
        ref.ask("ask too many", block=False)
    assert rejected("Tiny") == before + 2
    stop = ref.stop(block=False)  # runtime messages are not refused
    gate.set()
    assert stop.get(timeout=5) is True
    assert ref.actor_inbox.processed >= 6


def test_everything_accepted_is_handled(pool: WorkerPool) -> None:
    gate = threading.Event()
    gate.set()
    ref = Tiny.start(gate)
    sent = 0
    refusals = 0
    for i in range(2000):
        try:
            ref.tell(i)
            sent += 1
        except MailboxFull:
            refusals += 1
    while True:
        try:
            seen = ref.ask("end", timeout=5)
            break
        except MailboxFull:
            threading.Event().wait(0.001)
    assert refusals > 0
    assert len(seen) == sent + 1
    assert seen[:-1] == sorted(seen[:-1])
    ref.stop()
