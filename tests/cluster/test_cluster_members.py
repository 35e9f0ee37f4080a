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
from tests.integration.crash_harness import wait_for_replies
from tests.integration.harness import ROOT, TOKEN, Emu
from yabot.config import load_settings
from yabot.runtime import Runtime

PLAYERS = 24


@pytest.fixture
def emu() -> Iterator[Emu]:
    e = Emu().start()
    yield e
    e.stop()


def _replied(emu: Emu, accepted: dict[int, list[int]]) -> None:
    waiting = wait_for_replies(emu, accepted)
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
        # No update comes now: b must take a's shards over and consume their backlog (and
        # resend a's unconfirmed replies) on its own.
        _replied(emu, players.accepted)
        players.play([a.webhook, b.webhook], 2.0)
        c = Member("c", pg_dsn, emu.url, tmp_path).start()
        members.append(c)
        players.play([b.webhook, c.webhook], 2.0)
        assert b.stop() == 0  # a graceful leave: its shards are handed off to c
        players.play([b.webhook, c.webhook], 3.0)
        assert _owned(c) == 8
        _replied(emu, players.accepted)
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


@pytest.mark.slow
def test_a_member_paused_past_its_lease_writes_nothing_after_losing_its_shards(
    emu: Emu, pg_dsn: str, tmp_path: Path
) -> None:
    users = [900_000 + i for i in range(PLAYERS)]
    bot = emu.emulator.register_bot(TOKEN)
    for user_id in users:
        emu.player(user_id, "P", "en")
        bot.started.add(user_id)
    players = Players(users)
    # Snapshots wait a while in the paused member's writer: it tries them when it wakes up.
    slow = {
        "YABOT_STORAGE__SNAPSHOT_EVERY_S": "2",
        "YABOT_STORAGE__SNAPSHOT_EVERY_TRANSITIONS": "1000",
    }
    a = Member("a", pg_dsn, emu.url, tmp_path, **slow).start()
    b = Member("b", pg_dsn, emu.url, tmp_path).start()
    members = [a, b]
    try:
        players.play([a.webhook, b.webhook], 2.0)
        a.signal(signal.SIGSTOP)
        paused_at = time.monotonic()
        players.play([b.webhook], 8.0)  # ends early once every player's updates are taken
        # b owns every shard within twice the lease (3 s) of the pause, whenever play ended.
        while _owned(b) < 8 and time.monotonic() - paused_at < 2 * 3.0 + 1.0:
            time.sleep(0.1)
        assert _owned(b) == 8, f"{time.monotonic() - paused_at:.1f} s after the pause"
        a.signal(signal.SIGCONT)
        deadline = time.monotonic() + 15
        while a.metric("yabot_cluster_fenced_writes_total") < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        fenced = a.metric("yabot_cluster_fenced_writes_total")
        assert fenced >= 1, "the woken member's writes were refused"
        players.play([a.webhook, b.webhook], 2.0)  # it rejoins and takes its share again
        _replied(emu, players.accepted)
        woken_exit = a.stop()
        assert woken_exit == 0, a.log.read_text()[-6000:]
        assert b.stop() == 0
    finally:
        for member in members:
            if member.alive:
                member.signal(signal.SIGCONT)
            member.kill()
    _check_applied_once(pg_dsn, tmp_path, players)


def test_admin_requests_reach_the_owner_and_the_cluster_view_shows_every_shard(
    emu: Emu, pg_dsn: str, tmp_path: Path
) -> None:
    users = [600_000 + i for i in range(12)]
    bot = emu.emulator.register_bot(TOKEN)
    for user_id in users:
        emu.player(user_id, "P", "en")
        bot.started.add(user_id)
    a = Member("a", pg_dsn, emu.url, tmp_path).start()
    b = Member("b", pg_dsn, emu.url, tmp_path).start()
    try:
        deadline = time.monotonic() + 15
        while (_owned(a), _owned(b)) != (4, 4) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (_owned(a), _owned(b)) == (4, 4)
        players = Players(users, per_player=3)
        players.play([a.webhook, b.webhook], 3.0)
        _replied(emu, players.accepted)
        headers = a.admin()
        view = httpx.get(a.url + "/api/v1/cluster", headers=headers, timeout=10).json()
        assert {m["member_id"] for m in view["members"] if m["alive"]} == {
            m["member_id"] for m in view["members"] if m["shards"]
        }
        assert sorted(s for m in view["members"] for s in m["shards"]) == list(range(8))
        assert all(s["epoch"] >= 1 and s["owner"] for s in view["shards"])
        assert {h["kind"] for h in view["handoffs"]} >= {"acquire"}
        served = set()
        for user_id in users:
            by = set()
            for member in (a, b):  # asked on either member, answered by the owner
                r = httpx.get(f"{member.url}/api/v1/players/{user_id}", headers=headers, timeout=30)
                assert r.status_code == 200, r.text
                assert r.json()["story"], r.json()
                by.add(r.headers["X-Yabot-Served-By"])
            assert len(by) == 1, (user_id, by)
            served |= by
        assert len(served) == 2, "both members own players"
        unauthorised = httpx.get(f"{b.url}/api/v1/players/{users[0]}", timeout=10)
        assert unauthorised.status_code == 401
    finally:
        a.stop()
        b.stop()


def _leader(members: list[Member]) -> list[Member]:
    return [
        m for m in members if m.alive and m.metric("yabot_cluster_leader", 'task="polling"') == 1
    ]


@pytest.mark.slow
def test_in_polling_mode_one_member_polls_and_another_takes_over_when_it_dies(
    emu: Emu, pg_dsn: str, tmp_path: Path
) -> None:
    polling = {"YABOT_TELEGRAM__MODE": "polling", "YABOT_TELEGRAM__POLLING_TIMEOUT_S": "1"}
    a = Member("a", pg_dsn, emu.url, tmp_path, **polling).start()
    b = Member("b", pg_dsn, emu.url, tmp_path, **polling).start()
    members = [a, b]
    try:
        deadline = time.monotonic() + 10
        while len(_leader(members)) != 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        [leader] = _leader(members)
        users = [500_000 + i for i in range(8)]
        chats = [emu.player(u, "P", "en") for u in users]
        sent: dict[int, list[int]] = {u: [] for u in users}
        for chat in chats:
            sent[chat.user_id].append(chat.send("/start"))
        _replied(emu, sent)
        seen = {
            u: len(emu.http.get(f"{emu.url}/_emulator/chats/{u}/messages").json()["messages"])
            for u in users
        }
        leader.signal(signal.SIGKILL)
        leader.proc.wait(10)  # type: ignore[union-attr]
        [follower] = [m for m in members if m is not leader]
        for chat in chats:
            sent[chat.user_id].append(chat.send("/help"))
        deadline = time.monotonic() + 15
        while not _leader([follower]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _leader([follower]), "the survivor polls now"
        # Each chat gets an answer to /help beyond what it had after /start.
        _replied(emu, {u: ids * 0 + [0] * (seen[u] + 1) for u, ids in sent.items()})
        assert follower.stop() == 0
    finally:
        for member in members:
            member.kill()


def test_a_killed_member_is_shown_dead_once_its_shards_are_taken_over(
    emu: Emu, pg_dsn: str, tmp_path: Path
) -> None:
    """The members' `alive` in GET /api/v1/cluster counted only the heartbeat: a SIGKILLed
    member whose shards had already moved (its session was gone) was shown alive, with no
    shards, until its last heartbeat was a lease timeout old."""
    slow = {"YABOT_CLUSTER__LEASE_TIMEOUT_S": "30"}  # a heartbeat stays fresh for 30 s
    a = Member("a", pg_dsn, emu.url, tmp_path, **slow).start()
    b = Member("b", pg_dsn, emu.url, tmp_path, **slow).start()
    try:
        deadline = time.monotonic() + 20
        while (_owned(a), _owned(b)) != (4, 4) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (_owned(a), _owned(b)) == (4, 4)
        headers = a.admin()
        view = httpx.get(a.url + "/api/v1/cluster", headers=headers, timeout=10).json()
        (b_id,) = [m["member_id"] for m in view["members"] if m["member_id"] != view["member_id"]]
        b.kill()
        deadline = time.monotonic() + 20
        while _owned(a) != 8 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _owned(a) == 8, "the dead member's shards moved at once"
        view = httpx.get(a.url + "/api/v1/cluster", headers=headers, timeout=10).json()
        shown = {m["member_id"]: m for m in view["members"]}
        assert shown[b_id]["shards"] == []
        assert shown[b_id]["alive"] is False, shown[b_id]
        assert shown[view["member_id"]]["alive"] is True
    finally:
        for member in (a, b):
            member.kill()
