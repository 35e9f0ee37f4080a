"""Admin operations through the running bot and the emulator: besitos, subscriptions, refunds,
the events tail (broadcasts: test_admin_ops_broadcast.py)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.harness import Emu, Player, RunningBot, bot_settings

PASSWORD = "correct horse battery staple"
_TOKENS: dict[str, dict[str, str]] = {}
_USER_IDS = itertools.count(5400)


def token(api: str, username: str = "admin", password: str = PASSWORD) -> dict[str, str]:
    r = httpx.post(api + "/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


def ops_settings(data_dir: Path, emu: Emu, **extra: str) -> Any:
    return bot_settings(
        data_dir,
        emu.url,
        "polling",
        YABOT_API__BOOTSTRAP_ADMIN_PASSWORD=PASSWORD,
        YABOT_SECURITY__PASSWORD_SCRYPT_LOG2_N="12",
        **extra,
    )


def started(emu: Emu, user_id: int, language: str = "en") -> Player:
    player = emu.player(user_id, "Ana", language)
    player.send("/start")
    player.wait_buttons()
    return player


@pytest.fixture
def bot(emu: Emu, tmp_path: Path) -> Iterator[RunningBot]:
    running = RunningBot(ops_settings(tmp_path / "data", emu)).start()
    yield running
    running.stop()


def test_besitos_credit_is_applied_once_per_key_and_overdraft_is_refused(
    emu: Emu, bot: RunningBot
) -> None:
    api, admin = bot.api_url, token(bot.api_url)
    player = started(emu, 5101)
    url = f"{api}/api/v1/players/5101/besitos"
    before = httpx.get(f"{api}/api/v1/players/5101", headers=admin).json()["balance"]

    first = httpx.post(
        url,
        headers={**admin, "Idempotency-Key": "gift-1"},
        json={"amount": 75, "reason": "welcome gift"},
    )
    again = httpx.post(
        url,
        headers={**admin, "Idempotency-Key": "gift-1"},
        json={"amount": 75, "reason": "welcome gift"},
    )
    assert first.status_code == 200, first.text
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["balance"] == before + 75

    view = httpx.get(f"{api}/api/v1/players/5101", headers=admin).json()
    assert view["balance"] == before + 75
    assert [m["amount"] for m in view["ledger"] if m["reason"] == "welcome gift"] == [75]
    player.wait_for(lambda ms: any("75" in m["text"] for m in ms))

    reused = httpx.post(
        url,
        headers={**admin, "Idempotency-Key": "gift-1"},
        json={"amount": 80, "reason": "welcome gift"},
    )
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    overdraft = httpx.post(
        url,
        headers={**admin, "Idempotency-Key": "take-1"},
        json={"amount": -(before + 1000), "reason": "fine"},
    )
    assert overdraft.status_code == 409
    assert "cannot debit" in overdraft.json()["error"]["message"]
    assert httpx.get(f"{api}/api/v1/players/5101", headers=admin).json()["balance"] == before + 75

    missing = httpx.post(url, headers=admin, json={"amount": 5, "reason": "x"})
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json()["error"]["message"]
    bad = httpx.post(
        url, headers={**admin, "Idempotency-Key": "no spaces"}, json={"amount": 5, "reason": "x"}
    )
    assert bad.status_code == 400
    unknown = httpx.post(
        f"{api}/api/v1/players/999999/besitos",
        headers={**admin, "Idempotency-Key": "k"},
        json={"amount": 5, "reason": "x"},
    )
    assert unknown.status_code == 404

    created = httpx.post(
        f"{api}/api/v1/admin/accounts",
        headers=admin,
        json={"username": "vera", "password": PASSWORD, "role": "viewer"},
    )
    assert created.status_code == 201
    viewer = token(api, "vera")
    assert (
        httpx.post(
            url, headers={**viewer, "Idempotency-Key": "v-1"}, json={"amount": 5, "reason": "x"}
        ).status_code
        == 403
    )
    audit = httpx.get(f"{api}/api/v1/admin/audit", headers=admin).json()
    actions = [e["action"] for e in audit["items"]]
    assert actions.count("besitos.adjust") == 2 and "besitos.adjust_refused" in actions


def test_grant_and_revoke_change_the_live_state_and_events_tail_shows_them(
    emu: Emu, bot: RunningBot
) -> None:
    api, admin = bot.api_url, token(bot.api_url)
    started(emu, 5201, "es")
    sub = f"{api}/api/v1/players/5201/subscription"

    granted = httpx.post(
        sub, headers={**admin, "Idempotency-Key": "vip-5201"}, json={"tier": "vip", "days": 30}
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["status"] == "active" and granted.json()["ends_at"] > time.time()
    state = httpx.get(f"{api}/api/v1/actors/5201", headers=admin).json()["state"]
    assert state["membership"]["tier"] == "vip" and state["membership"]["status"] == "active"
    assert state["membership"]["ends_at"] > time.time() + 29 * 86400
    assert (
        httpx.post(
            sub, headers={**admin, "Idempotency-Key": "vip-5201"}, json={"tier": "vip", "days": 30}
        ).json()
        == granted.json()
    )
    again = httpx.get(f"{api}/api/v1/actors/5201", headers=admin).json()["state"]
    assert again["membership"]["ends_at"] == state["membership"]["ends_at"]

    unknown_tier = httpx.post(
        sub, headers={**admin, "Idempotency-Key": "gold"}, json={"tier": "gold", "days": 3}
    )
    assert unknown_tier.status_code == 404

    revoked = httpx.delete(sub, headers={**admin, "Idempotency-Key": "revoke-5201"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    state = httpx.get(f"{api}/api/v1/actors/5201", headers=admin).json()["state"]
    assert state["membership"]["tier"] == "free"
    assert httpx.delete(sub, headers={**admin, "Idempotency-Key": "revoke-2"}).status_code == 409

    events = httpx.get(f"{api}/api/v1/events/recent", params={"limit": 50}, headers=admin).json()
    mine = [e for e in events["items"] if e["user_id"] == 5201]
    types = [e["type"] for e in mine]
    assert types.index("subscription.expired") < types.index("subscription.activated")
    seqs = [e["seq"] for e in events["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert all(e["occurred_at"] and "payload" in e for e in mine)
    only = httpx.get(
        f"{api}/api/v1/events/recent",
        headers=admin,
        params={"type": "subscription.activated", "user_id": 5201},
    ).json()
    assert [e["payload"]["tier"] for e in only["items"]] == ["vip"]


def test_refund_of_a_stars_payment_ends_the_subscription(emu: Emu, bot: RunningBot) -> None:
    api, admin = bot.api_url, token(bot.api_url)
    player = started(emu, 5301)
    player.send("/vip")
    invoice = player.wait_for(lambda ms: any(m.get("invoice") for m in ms))
    message_id = next(m["message_id"] for m in invoice if m.get("invoice"))
    paid = emu.http.post(f"{emu.url}/_emulator/users/5301/pay", json={"message_id": message_id})
    assert paid.status_code == 200, paid.text
    charge_id = emu.http.get(f"{emu.url}/_emulator/payments", params={"user_id": 5301}).json()[0][
        "telegram_payment_charge_id"
    ]
    deadline = time.monotonic() + 10
    while (
        httpx.get(f"{api}/api/v1/actors/5301", headers=admin).json()["state"]["membership"][
            "status"
        ]
        != "active"
    ):
        assert time.monotonic() < deadline, "the payment did not activate VIP"
        time.sleep(0.05)

    assert httpx.post(f"{api}/api/v1/payments/nope/refund", headers=admin).status_code == 404
    refund = httpx.post(f"{api}/api/v1/payments/{charge_id}/refund", headers=admin)
    assert refund.status_code == 202, refund.text
    assert refund.json() == {"charge_id": charge_id, "user_id": 5301, "status": "refund_requested"}
    deadline = time.monotonic() + 10
    while True:
        state = httpx.get(f"{api}/api/v1/actors/5301", headers=admin).json()["state"]
        if state["membership"]["status"] == "refunded":
            break
        assert time.monotonic() < deadline, state["membership"]
        time.sleep(0.05)
    assert state["membership"]["tier"] == "free"
    payments = emu.http.get(f"{emu.url}/_emulator/payments", params={"user_id": 5301}).json()
    assert payments[0]["refunded"]
    again = httpx.post(f"{api}/api/v1/payments/{charge_id}/refund", headers=admin)
    assert again.status_code == 409


@given(keys=st.lists(st.integers(0, 5), min_size=1, max_size=12))
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_besitos_requests_in_any_order_match_a_model_ledger(
    emu: Emu, bot: RunningBot, keys: list[int]
) -> None:
    """Credits and debits with keys repeated in any order: each key applies once, a repeat
    gets the first answer, an overdraft changes nothing (and leaves its key unused)."""
    api = bot.api_url
    admin = _TOKENS.get(api) or _TOKENS.setdefault(api, token(api))
    user_id = next(_USER_IDS)
    started(emu, user_id)
    url = f"{api}/api/v1/players/{user_id}/besitos"
    balance = httpx.get(f"{api}/api/v1/players/{user_id}", headers=admin).json()["balance"]
    first_answers: dict[int, dict[str, Any]] = {}
    for key in keys:
        amount = -(30 + key) if key % 2 else 20 + key * 7  # a key always names one request
        r = httpx.post(
            url,
            headers={**admin, "Idempotency-Key": f"k{key}"},
            json={"amount": amount, "reason": f"model-op-{key}"},
        )
        if key in first_answers:
            assert r.status_code == 200 and r.json() == first_answers[key]
        elif balance + amount < 0:
            assert r.status_code == 409, r.text
        else:
            balance += amount
            assert r.status_code == 200 and r.json()["balance"] == balance, r.text
            first_answers[key] = r.json()
    view = httpx.get(
        f"{api}/api/v1/players/{user_id}", headers=admin, params={"ledger_limit": 100}
    ).json()
    assert view["balance"] == balance
    reasons = [m["reason"] for m in view["ledger"] if m["reason"].startswith("model-op-")]
    assert sorted(reasons) == sorted(f"model-op-{key}" for key in first_answers)


def test_an_actor_that_does_not_answer_in_time_gives_503_and_the_retry_applies_once(
    emu: Emu, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    impatient = RunningBot(ops_settings(data, emu, YABOT_RUNTIME__ASK_TIMEOUT_S="0.000001")).start()
    try:
        api, admin = impatient.api_url, token(impatient.api_url)
        started(emu, 5501)
        tried: list[str] = []
        for attempt in range(20):  # an actor answering within a microsecond is rare, not impossible
            tried.append(f"slow-{attempt}")
            r = httpx.post(
                f"{api}/api/v1/players/5501/besitos",
                headers={**admin, "Idempotency-Key": tried[-1]},
                json={"amount": 40, "reason": "late gift"},
            )
            if r.status_code != 200:
                break
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "actor_timeout"
        time.sleep(0.5)  # the actor still applies it after the API gave up waiting
    finally:
        impatient.stop()
    bot = RunningBot(ops_settings(data, emu)).start()
    try:
        api, admin = bot.api_url, token(bot.api_url)
        for key in tried:
            retry = httpx.post(
                f"{api}/api/v1/players/5501/besitos",
                headers={**admin, "Idempotency-Key": key},
                json={"amount": 40, "reason": "late gift"},
            )
            assert retry.status_code == 200, retry.text
        view = httpx.get(f"{api}/api/v1/players/5501", headers=admin).json()
        gifts = [m["amount"] for m in view["ledger"] if m["reason"] == "late gift"]
        assert gifts == [40] * len(tried)
        assert retry.json()["balance"] == view["balance"]
    finally:
        bot.stop()
