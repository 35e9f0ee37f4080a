"""UpdateRouter: inbox first, then the player's actor with the entry's seq; a full mailbox
defers only its own player's updates, in order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from actors import MailboxFull
from yabot.routing import UpdateRouter
from yabot.security.crypto import Encryptor
from yabot.storage.inbox import Inbox
from yabot.telegram.types import IncomingUpdate, parse_update


def _update(update_id: int, user: int) -> IncomingUpdate:
    body = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "A"},
            "text": "hi",
        },
    }
    return parse_update(json.dumps(body).encode(), 1.0)


class Mailboxes:
    def __init__(self) -> None:
        self.full: set[int] = set()
        self.got: list[tuple[int, int, int]] = []

    def deliver(self, user: int, update: IncomingUpdate, seq: int) -> None:
        if user in self.full:
            raise MailboxFull("PlayerActor", 2)
        self.got.append((user, update.update_id, seq))


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[Inbox]:
    box = Inbox(tmp_path / "inbox.sqlite3", encryptor=Encryptor([Fernet.generate_key()]))
    yield box
    box.close()


async def test_updates_reach_actors_with_their_seq_and_repeats_stop_at_the_inbox(
    inbox: Inbox,
) -> None:
    boxes = Mailboxes()
    router = UpdateRouter(inbox, boxes.deliver)
    try:
        assert await router.accept(_update(900, 1))
        assert await router.accept(_update(5, 1))  # a lower id: new all the same
        assert not await router.accept(_update(900, 1))  # Telegram's retry
        seqs = [e.seq for e in inbox.entries_after(1, 0)]
        assert boxes.got == [(1, 900, seqs[0]), (1, 5, seqs[1])]
    finally:
        router.close()


async def test_a_full_mailbox_defers_only_its_players_updates_in_order(inbox: Inbox) -> None:
    boxes = Mailboxes()
    router = UpdateRouter(inbox, boxes.deliver)
    try:
        boxes.full.add(1)
        for n in range(1, 4):
            await router.accept(_update(100 + n, 1))
            await router.accept(_update(200 + n, 2))
        assert [u for _, u, _ in boxes.got] == [201, 202, 203], "player 2 flows on"
        assert router.deferred(1) == 3
        router.redeliver()
        assert router.deferred(1) == 3, "still full: still waiting, nothing dropped"
        boxes.full.clear()
        router.redeliver()
        assert [u for user, u, _ in boxes.got if user == 1] == [101, 102, 103], "in order"
        assert router.deferred(1) == 0
        await router.accept(_update(104, 1))
        assert boxes.got[-1][:2] == (1, 104), "a player whose queue emptied flows again"
    finally:
        router.close()
