"""Economy and VIP through the emulator: daily rewards across days, buying VIP with Stars,
the invite link, the VIP chapter, a payment delivered twice, expiry, and a restart across it.

Time is moved with a clock handed to ``serve`` (ingress stamps updates with it and the
scheduler considers it "now"); the scheduler sweeps every 0.2 s here.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import Emu, Player, RunningBot, bot_settings
from yabot.app import serve
from yabot.observability.logging import configure_logging
from yabot.player.actor import Inspect

DAY = 86_400
CHANNEL = -1001000000001
ASK = "Write your answer"


class Clock:
    """Real time plus an offset the test moves forward."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def __call__(self) -> float:
        return time.time() + self.offset


class ClockedBot(RunningBot):
    """The whole bot, with ``clock`` as its time."""

    def __init__(self, data_dir: Path, emu: Emu, clock: Clock, **env: str) -> None:
        env.setdefault("YABOT_SUBSCRIPTIONS__SWEEP_INTERVAL_S", "0.2")
        super().__init__(bot_settings(data_dir, emu.url, "polling", **env))
        self.clock = clock

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        configure_logging(self.settings.logging.level, json_logs=True, cache=False)

        async def main() -> int:
            self._stop = asyncio.Event()
            return await serve(
                self.settings, self._stop, clock=self.clock, on_started=self._started
            )

        try:
            self.exit_code = self._loop.run_until_complete(main())
        except BaseException as exc:  # surfaced by the test through .error
            self.error = exc

    def start(self) -> ClockedBot:
        super().start()
        return self

    def inspect(self, user_id: int) -> dict[str, Any]:
        runtime = self.runtime()
        future = asyncio.run_coroutine_threadsafe(
            runtime.admin.ask_player(user_id, Inspect()), self._loop
        )
        return dict(future.result(10))


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or "" for m in messages]


def has(fragment: str) -> Any:
    return lambda messages: any(fragment in text for text in texts(messages))


def buy_vip(emu: Emu, player: Player) -> dict[str, Any]:
    """Pay the invoice the bot sent last; return the emulator's payment answer."""
    invoices = [m for m in player.messages() if m.get("invoice")]
    assert invoices, "the bot sent a Stars invoice"
    invoice = invoices[-1]["invoice"]
    assert invoice["currency"] == "XTR" and invoice["total_amount"] == 250
    r = emu.http.post(
        f"{emu.url}/_emulator/users/{player.user_id}/pay",
        json={"message_id": invoices[-1]["message_id"]},
    )
    r.raise_for_status()
    paid = dict(r.json())
    assert paid["status"] == "paid", paid
    return paid


def channel(emu: Emu) -> dict[str, Any]:
    return dict(emu.http.get(f"{emu.url}/_emulator/channels/{CHANNEL}").json())


def calls(emu: Emu, method: str) -> list[dict[str, Any]]:
    return list(emu.http.get(f"{emu.url}/_emulator/calls", params={"method": method}).json())


def redeliver_payment(emu: Emu, user_id: int) -> int:
    """Telegram delivers the same successful_payment again (under a new update id)."""
    emulator = emu.emulator
    bot = next(iter(emulator.bots.values()))
    message = next(
        m
        for m in reversed(list(emulator.log(bot, user_id).messages.values()))
        if m.successful_payment
    )
    future = asyncio.run_coroutine_threadsafe(
        emulator.push_update(bot, "message", message.api()), emu.server.app.state.loop
    )
    update_id = future.result(5)
    assert update_id is not None
    return int(update_id)


def play_to_vip_gate(player: Player) -> dict[str, Any]:
    """Take the first choice until the VIP gate; return the gate's message."""
    player.send("/start")
    for _ in range(200):
        got = player.wait_buttons()
        last = [m for m in got if m.get("buttons")][-1]
        data = [b["callback_data"] for row in last["buttons"] for b in row]
        if "m:vip" in data:
            return last
        if any(ASK in text for text in texts(got)):
            player.send("I feel curious and a little afraid, but I love this place")
            continue
        player.press(last["message_id"], next(d for d in data if d.startswith("c:")))
    raise AssertionError("the VIP gate was never reached")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_daily_reward_refused_the_same_day_and_streak_bonus_the_next(
    emu: Emu, tmp_path: Path, clock: Clock
) -> None:
    bot = ClockedBot(tmp_path / "data", emu, clock).start()
    try:
        player = emu.player(601, "Ana", "en")
        assert "You received 10 besitos. Streak: 1" in player.say("/daily")[0]["text"]
        refused = player.say("/daily")[0]["text"]
        assert "already claimed" in refused and "Come back in" in refused
        clock.offset += DAY
        assert "You received 15 besitos. Streak: 2" in player.say("/daily")[0]["text"]
        wallet = player.say("/wallet")[0]["text"]
        assert "You have 25 besitos" in wallet and "+15 · daily reward" in wallet
        clock.offset += 2 * DAY  # a missed day: the streak starts again
        assert "You received 10 besitos. Streak: 1" in player.say("/daily")[0]["text"]
        checks = {c["name"]: c for c in emu.http.get(bot.api_url + "/readyz").json()["checks"]}
        assert checks["scheduler"]["ok"] and checks["scheduler"]["required"]
    finally:
        bot.stop()


def test_buy_vip_with_stars_reach_the_vip_chapter_then_lose_it_at_expiry(
    emu: Emu, tmp_path: Path, clock: Clock
) -> None:
    bot = ClockedBot(tmp_path / "data", emu, clock).start()
    try:
        player = emu.player(602, "Ana", "en")
        gate = play_to_vip_gate(player)
        assert not any("Chapter 4" in text for text in texts(player.messages()))

        player.press(gate["message_id"], "m:vip")
        player.wait_for(lambda ms: any(m.get("invoice") for m in ms))
        paid = buy_vip(emu, player)
        got = player.wait_for(has("https://t.me/+"))
        got += [] if has("You are VIP until")(got) else player.wait_for(has("You are VIP until"))
        link = re.search(r"https://t\.me/\+\S+", "\n".join(texts(got)))
        assert link is not None
        emu.http.post(
            f"{emu.url}/_emulator/users/602/join", json={"invite_link": link.group(0)}
        ).raise_for_status()
        assert 602 in channel(emu)["members"]

        retry = next(
            b["callback_data"]
            for row in gate["buttons"]
            for b in row
            if b["callback_data"].startswith("c:")
        )
        player.press(gate["message_id"], retry)
        chapter4 = player.wait_for(has("Chapter 4"))
        assert any("The chain falls" in text for text in texts(chapter4))

        ends_at = bot.inspect(602)["membership"]["ends_at"]
        duplicate = redeliver_payment(emu, 602)
        deadline = time.monotonic() + 10
        while bot.inspect(602)["last_update_id"] < duplicate and time.monotonic() < deadline:
            time.sleep(0.05)
        view = bot.inspect(602)
        assert view["last_update_id"] >= duplicate, "the repeated payment was processed"
        assert view["membership"]["ends_at"] == ends_at, "the same payment extends nothing"
        assert [c[0] for c in view["membership"]["charges"]] == [paid["telegram_payment_charge_id"]]
        assert not any("VIP until" in text for text in texts(player.messages(player.seen)))

        clock.offset += 31 * DAY
        player.wait_for(has("Your VIP has ended"))
        deadline = time.monotonic() + 10
        while (
            602 in channel(emu)["members"] or len(calls(emu, "unbanChatMember")) < 1
        ) and time.monotonic() < deadline:
            time.sleep(0.05)  # the channel's calls travel in the channel's own lane
        members = channel(emu)
        assert 602 not in members["members"] and 602 not in members["banned"], (
            "removed, not banned for good"
        )
        scene = [
            m
            for m in player.messages()
            if m.get("buttons") and "The chain falls" in (m.get("text") or "")
        ][-1]
        choice = next(
            b["callback_data"]
            for row in scene["buttons"]
            for b in row
            if b["callback_data"].startswith("c:")
        )
        player.press(scene["message_id"], choice)
        player.wait_for(has("This chapter is for VIP members"))
        assert bot.inspect(602)["story"]["chapter"] == 4, "the place is kept, the door is locked"
    finally:
        bot.stop()


def test_expiry_while_the_bot_was_down_happens_once_after_restart(emu: Emu, tmp_path: Path) -> None:
    data = tmp_path / "data"
    clock = Clock()
    bot = ClockedBot(data, emu, clock).start()
    try:
        player = emu.player(603, "Ana", "en")
        player.say("/vip")
        player.wait_for(lambda ms: any(m.get("invoice") for m in player.messages()))
        buy_vip(emu, player)
        player.wait_for(has("You are VIP until"))
    finally:
        bot.stop()

    later = Clock(31 * DAY)  # the subscription ended while the bot was stopped
    for life in range(2):
        bot = ClockedBot(data, emu, later).start()
        try:
            if life == 0:
                player.wait_for(has("Your VIP has ended"))
            time.sleep(1.0)  # several sweeps
            assert len(calls(emu, "banChatMember")) == 1
            assert len(calls(emu, "unbanChatMember")) == 1
            ended = [t for t in texts(player.messages()) if "Your VIP has ended" in t]
            assert len(ended) == 1
            sub = bot.runtime().records.subscription(603)
            assert sub is not None and sub.status == "expired"
        finally:
            bot.stop()


def test_admin_grants_by_command_and_refunds_a_stars_payment_through_the_runtime(
    emu: Emu, tmp_path: Path, clock: Clock
) -> None:
    settings_env = {"YABOT_SUBSCRIPTIONS__ADMIN_USER_IDS": "[699]"}
    bot = ClockedBot(tmp_path / "data", emu, clock, **settings_env).start()
    try:
        admin, player, other = (
            emu.player(699, "Boss"),
            emu.player(604, "Ana"),
            emu.player(605, "Eve"),
        )
        assert "/grant is for administrators" in other.say("/grant 605 30")[0]["text"]
        assert "Sent /grant to player 605" in admin.say("/grant 605 7")[0]["text"]
        other.wait_for(has("You are VIP until"))

        player.say("/vip")
        player.wait_for(lambda ms: any(m.get("invoice") for m in player.messages()))
        paid = buy_vip(emu, player)
        player.wait_for(has("https://t.me/+"))
        charge = paid["telegram_payment_charge_id"]

        runtime = bot.runtime()
        refund = asyncio.run_coroutine_threadsafe(
            runtime.admin.refund(604, charge, "api:alice"), bot._loop
        )
        assert refund.result(10) == {"status": "refund_requested"}
        player.wait_for(has("was refunded"))
        payments = emu.http.get(f"{emu.url}/_emulator/payments", params={"user_id": 604}).json()
        assert [p["refunded"] for p in payments] == [True]
        assert bot.inspect(604)["membership"]["tier"] != "vip"
        again = asyncio.run_coroutine_threadsafe(
            runtime.admin.refund(604, charge, "api:alice"), bot._loop
        )
        assert again.result(10) == {"status": "already_refunded"}

        credit = runtime.admin.adjust_besitos(604, 50, "apology", "api:alice", "idem-1")
        assert asyncio.run_coroutine_threadsafe(credit, bot._loop).result(10)["balance"] == 50
        repeat = runtime.admin.adjust_besitos(604, 50, "apology", "api:alice", "idem-1")
        assert asyncio.run_coroutine_threadsafe(repeat, bot._loop).result(10) == {
            "status": "duplicate"
        }
        assert runtime.records.balance(604) == 50
    finally:
        bot.stop()


def test_monthly_stars_subscription_link_and_its_renewal_extend_vip(
    emu: Emu, tmp_path: Path, clock: Clock
) -> None:
    bot = ClockedBot(tmp_path / "data", emu, clock).start()
    try:
        player = emu.player(606, "Ana")
        got = player.say("/vip")
        got += player.wait_for(has("renew every 30 days"))
        link = re.search(r"https://t\.me/\$\S+", "\n".join(texts(got)))
        assert link is not None, "a createInvoiceLink subscription (subscription_period 2592000)"
        r = emu.http.post(
            f"{emu.url}/_emulator/users/606/pay", json={"invoice_link": link.group(0)}
        )
        paid = r.json()
        assert paid["status"] == "paid" and paid["subscription_expiration_date"], paid
        player.wait_for(has("You are VIP until"))
        first_end = bot.inspect(606)["membership"]["ends_at"]

        renewed = emu.http.post(
            f"{emu.url}/_emulator/payments/{paid['telegram_payment_charge_id']}/renew"
        )
        renewed.raise_for_status()
        player.wait_for(has("extended until"))
        view = bot.inspect(606)
        assert view["membership"]["ends_at"] == first_end + 30 * DAY
        assert len(view["membership"]["charges"]) == 2, "each renewal is its own payment"
    finally:
        bot.stop()
