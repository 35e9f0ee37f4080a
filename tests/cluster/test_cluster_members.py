"""Cluster mode end to end: ``yabot run`` members on one throwaway PostgreSQL.

Players post to every member's webhook round-robin (as behind a load balancer). Members die
(SIGKILL), join and leave gracefully while they play. At the end every update a member
answered 200 has been applied exactly once and in order: the player's transition count equals
its accepted updates and its last update is the last accepted one (states read back from the
shared stores).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cluster.cluster_harness import KEY, Member, Players
from tests.integration.harness import ROOT, TOKEN, Emu
from yabot.config import load_settings
from yabot.runtime import Runtime

PLAYERS = 24


@pytest.fixture
def emu() -> Iterator[Emu]:
    e = Emu().start()
    yield e
    e.stop()


def _wait_for_replies(emu: Emu, accepted: dict[int, list[int]], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    waiting = dict(accepted)
    while waiting and time.monotonic() < deadline:
        for user_id, ids in list(waiting.items()):
            got = emu.http.get(f"{emu.url}/_emulator/chats/{user_id}/messages").json()
            if len(got["messages"]) >= len(ids):
                del waiting[user_id]
        time.sleep(0.2)
    assert not waiting, f"{len(waiting)} chats miss replies"


def _check_applied_once(pg_dsn: str, tmp_path: Path, players: Players) -> None:
    settings = load_settings(
        ROOT / "config.toml",
        {
            "YABOT_STORAGE__DATA_DIR": str(tmp_path / "check"),
            "YABOT_STORAGE__BACKEND": "postgres",
            "YABOT_STORAGE__POSTGRES_DSN": pg_dsn,
            "YABOT_SECURITY__ENCRYPTION_KEYS": KEY,
            "YABOT_RUNTIME__SHARDS": "8",
            "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
        },
    )
    runtime = Runtime(settings)
    try:
        runtime.effects.send = lambda *_: None
        runtime.effects.submit = lambda *_: None
        for user_id, ids in players.accepted.items():
            state = runtime.players.load(user_id)
            assert state.transitions == len(ids), (user_id, state.transitions, len(ids))
            assert state.last_update_id == (max(ids) if ids else -1), user_id
    finally:
        runtime.inbox.close()
        if runtime.pg_pool is not None:
            runtime.pg_pool.close()


def _owned(member: Member) -> float:
    return member.metric("yabot_cluster_owned_shards")


@pytest.mark.slow
def test_updates_apply_once_and_in_order_across_a_kill_a_join_and_a_leave(
    emu: Emu, pg_dsn: str, tmp_path: Path
) -> None:
    users = [800_000 + i for i in range(PLAYERS)]
    bot = emu.emulator.register_bot(TOKEN)
    for user_id in users:
        emu.player(user_id, "P", "en")
        bot.started.add(user_id)
    players = Players(users)
    a = Member("a", pg_dsn, emu.url, tmp_path).start()
    b = Member("b", pg_dsn, emu.url, tmp_path).start()
    members = [a, b]
    try:
        players.play([a.webhook, b.webhook], 2.0)
        a.signal(signal.SIGKILL)  # its shards are free at once (its session lock is gone)
        a.proc.wait(10)  # type: ignore[union-attr]
        players.play([a.webhook, b.webhook], 3.0)
        c = Member("c", pg_dsn, emu.url, tmp_path).start()
        members.append(c)
        players.play([b.webhook, c.webhook], 2.0)
        assert b.stop() == 0  # a graceful leave: its shards are handed off to c
        players.play([b.webhook, c.webhook], 3.0)
        assert _owned(c) == 8
        _wait_for_replies(emu, players.accepted)
        assert c.stop() == 0
    finally:
        for member in members:
            member.kill()
    accepted = sum(len(v) for v in players.accepted.values())
    assert accepted > PLAYERS * 10, "the players got to play"
    _check_applied_once(pg_dsn, tmp_path, players)


def test_one_member_serves_the_admin_api_and_owns_every_shard(
    emu: Emu, pg_dsn: str, tmp_path: Path
) -> None:
    member = Member("solo", pg_dsn, emu.url, tmp_path).start()
    try:
        deadline = time.monotonic() + 10
        while _owned(member) < 8 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _owned(member) == 8
        assert httpx.get(member.url + "/readyz", timeout=5).status_code == 200
    finally:
        member.stop()
