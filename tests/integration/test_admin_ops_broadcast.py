"""Broadcasts through the running bot and the emulator: each recipient gets the message once,
progress reaches done, and a broadcast interrupted by a stop resumes after the restart."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.integration.harness import Emu, RunningBot
from tests.integration.test_admin_ops import ops_settings, token

PLAYERS = range(6001, 6031)


def start_players(emu: Emu, languages: dict[int, str] | None = None) -> None:
    players = [emu.player(uid, "P", (languages or {}).get(uid, "en")) for uid in PLAYERS]
    for player in players:
        player.send("/start")
    for player in players:
        player.wait_buttons(timeout=30)


def copies(emu: Emu, user_id: int, text: str) -> int:
    r = emu.http.get(f"{emu.url}/_emulator/chats/{user_id}/messages")
    return sum(1 for m in r.json()["messages"] if m["text"] == text)


def wait_progress(
    api: str, headers: dict[str, str], bid: int, done: Any, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = httpx.get(f"{api}/api/v1/broadcasts/{bid}", headers=headers).json()
        if done(body):
            return dict(body)
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def test_broadcast_to_30_players_reaches_each_once_and_filters_by_language(
    emu: Emu, tmp_path: Path
) -> None:
    bot = RunningBot(ops_settings(tmp_path / "data", emu)).start()
    try:
        api, admin = bot.api_url, token(bot.api_url)
        start_players(emu, {uid: "es" for uid in PLAYERS if uid % 3 == 0})
        text = "Nuevo capítulo disponible 🌙"
        body = {"text": text, "segment": {"tier": "all"}}
        created = httpx.post(
            f"{api}/api/v1/broadcasts", headers={**admin, "Idempotency-Key": "b1"}, json=body
        )
        assert created.status_code == 201, created.text
        bid = created.json()["id"]
        assert created.json()["total"] == 30
        retried = httpx.post(
            f"{api}/api/v1/broadcasts", headers={**admin, "Idempotency-Key": "b1"}, json=body
        )
        assert retried.json()["id"] == bid

        final = wait_progress(api, admin, bid, lambda b: b["state"] == "done", 30)
        assert (final["sent"], final["failed"], final["pending"]) == (30, 0, 0)
        assert [copies(emu, uid, text) for uid in PLAYERS] == [1] * 30

        spanish = httpx.post(
            f"{api}/api/v1/broadcasts",
            headers=admin,
            json={"text": "Solo en español", "segment": {"language": "es"}},
        )
        assert spanish.json()["total"] == 10
        wait_progress(api, admin, spanish.json()["id"], lambda b: b["state"] == "done", 30)
        assert [copies(emu, uid, "Solo en español") for uid in PLAYERS] == [
            1 if uid % 3 == 0 else 0 for uid in PLAYERS
        ]

        vip = httpx.post(
            f"{api}/api/v1/broadcasts",
            headers=admin,
            json={"text": "VIP only", "segment": {"tier": "vip"}},
        )
        assert vip.json()["total"] == 0 and vip.json()["state"] == "done"
        granted = httpx.post(
            f"{api}/api/v1/players/6007/subscription",
            headers={**admin, "Idempotency-Key": "g"},
            json={"days": 3},
        )
        assert granted.status_code == 200
        for tier, total in (("vip", 1), ("free", 29)):
            segment = {"tier": tier, "joined_after": 0, "joined_before": time.time() + 60}
            r = httpx.post(
                f"{api}/api/v1/broadcasts",
                headers=admin,
                json={"text": f"{tier} news", "segment": segment},
            )
            assert r.json()["total"] == total
            wait_progress(api, admin, r.json()["id"], lambda b: b["state"] == "done", 30)
        assert copies(emu, 6007, "vip news") == 1 and copies(emu, 6008, "vip news") == 0
        assert copies(emu, 6007, "free news") == 0 and copies(emu, 6008, "free news") == 1
        later = httpx.post(
            f"{api}/api/v1/broadcasts",
            headers=admin,
            json={"text": "nobody", "segment": {"joined_after": time.time() + 60}},
        )
        assert later.json()["total"] == 0
        listed = httpx.get(f"{api}/api/v1/broadcasts", headers=admin).json()["items"]
        assert [b["id"] for b in listed][-1] == bid
        assert httpx.post(f"{api}/api/v1/broadcasts/{bid}/cancel", headers=admin).status_code == 409
        assert httpx.get(f"{api}/api/v1/broadcasts/999", headers=admin).status_code == 404
    finally:
        bot.stop()


def test_broadcast_interrupted_by_a_stop_resumes_and_sends_each_recipient_once(
    emu: Emu, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    bot = RunningBot(ops_settings(data, emu)).start()
    try:
        start_players(emu)
    finally:
        bot.stop()

    text = "Broadcast that survives a restart"
    # Slow sends: the stop comes while a chunk's messages are still in flight.
    emu.faults(latency_ms=1500, methods=["sendMessage"])
    slow = RunningBot(ops_settings(data, emu, YABOT_TELEGRAM__GLOBAL_RATE_PER_S="8")).start()
    try:
        api, admin = slow.api_url, token(slow.api_url)
        created = httpx.post(f"{api}/api/v1/broadcasts", headers=admin, json={"text": text})
        bid = created.json()["id"]
        cancelled = httpx.post(
            f"{api}/api/v1/broadcasts", headers=admin, json={"text": "cancelled at once"}
        ).json()["id"]
        stopped = httpx.post(f"{api}/api/v1/broadcasts/{cancelled}/cancel", headers=admin)
        assert stopped.status_code == 200 and stopped.json()["state"] == "cancelled"
        partial = wait_progress(api, admin, bid, lambda b: b["sent"] >= 5, 20)
        assert partial["state"] == "running"
    finally:
        slow.stop()
    emu.faults()
    sent_before = sum(copies(emu, uid, text) for uid in PLAYERS)
    assert 5 <= sent_before < 30

    again = RunningBot(ops_settings(data, emu)).start()
    try:
        api, admin = again.api_url, token(again.api_url)
        final = wait_progress(api, admin, bid, lambda b: b["state"] == "done", 30)
        assert (final["sent"], final["failed"]) == (30, 0)
        after = httpx.get(f"{api}/api/v1/broadcasts/{cancelled}", headers=admin).json()
        assert after["state"] == "cancelled" and after["pending"] > 0
    finally:
        again.stop()
    assert [copies(emu, uid, text) for uid in PLAYERS] == [1] * 30
    assert sum(copies(emu, uid, "cancelled at once") for uid in PLAYERS) <= 4  # one chunk at most
