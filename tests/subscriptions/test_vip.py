"""VIP through the player's transitions: offer, checkout, payment once, invite, expiry,
reminders, refund, admin grants and roles."""

from __future__ import annotations

from pathlib import Path

from tests.economy.world import T0, World, world_settings
from tests.subscriptions.conftest import ADMIN
from yabot.player.messages import (
    CallResult,
    Expire,
    GrantSubscription,
    RefundPayment,
    Remind,
    RevokeSubscription,
)
from yabot.player.state import PlayerState
from yabot.scheduling import due_work

DAY = 86_400
PAYLOAD = "sub:vip:{user}:250"
CHANNEL = -1001000000001


def buy_vip(world: World, user: int, charge: str = "ch1", at: float = T0) -> None:
    world.message(user, "/vip", at)
    invoice = world.calls("sendInvoice")[-1].params
    assert invoice["currency"] == "XTR" and invoice["prices"] == [{"label": "VIP", "amount": 250}]
    world.pre_checkout(user, invoice["payload"], 250, at + 1)
    world.pay(user, invoice["payload"], 250, charge, at + 2)


def test_checkout_is_refused_for_a_wrong_amount_currency_or_payload(world: World) -> None:
    user = 11
    payload = PAYLOAD.format(user=user)
    world.pre_checkout(user, payload, 250, T0)
    world.pre_checkout(user, payload, 1, T0)
    world.pre_checkout(user, payload, 250, T0, currency="USD")
    world.pre_checkout(user, PAYLOAD.format(user=12), 250, T0)
    world.pre_checkout(user, "sub:gold:11:250", 250, T0)
    answers = [r.params for r in world.calls("answerPreCheckoutQuery")]
    assert [a["ok"] for a in answers] == [True, False, False, False, False]
    assert all("no longer valid" in a["error_message"] for a in answers[1:])


def test_payment_activates_vip_once_even_when_delivered_twice(world: World) -> None:
    user = 13
    buy_vip(world, user)
    m = world.state(user).membership
    assert m.is_vip(T0 + 3) and m.ends_at == T0 + 2 + 30 * DAY
    assert world.records.payment("ch1") is not None
    sub = world.records.subscription(user)
    assert sub is not None and sub.status == "active" and sub.ends_at == m.ends_at
    links = world.calls("createChatInviteLink")
    assert (
        len(links) == 1
        and links[0].params["member_limit"] == 1
        and links[0].result_to == (user, "invite")
    )
    welcome = [t for t in world.texts(user) if "You are VIP until" in t]
    assert len(welcome) == 1

    world.pay(user, PAYLOAD.format(user=user), 250, "ch1", T0 + 10)  # the same payment again
    assert world.state(user).membership.ends_at == m.ends_at, "a repeated payment extends nothing"
    assert len([t for t in world.texts(user) if "VIP until" in t]) == 1

    stale = PlayerState.from_bytes(world.state(user).to_bytes())
    stale.membership.charges = []  # an actor that lost its mirror: the records still refuse
    world.states[user] = stale
    world.pay(user, PAYLOAD.format(user=user), 250, "ch1", T0 + 20)
    assert world.state(user).membership.ends_at == m.ends_at
    assert len([t for t in world.texts(user) if "VIP until" in t]) == 1


def test_second_payment_extends_and_invite_link_reaches_the_player(world: World) -> None:
    user = 14
    buy_vip(world, user)
    first_end = world.state(user).membership.ends_at
    world.system(user, CallResult("invite", {"invite_link": "https://t.me/+abc"}, None, T0 + 3))
    assert "https://t.me/+abc" in world.texts(user)[-1]
    buy_vip(world, user, "ch2", T0 + 100)
    assert world.state(user).membership.ends_at == first_end + 30 * DAY
    assert "extended until" in [t for t in world.texts(user) if "VIP" in t][-1]
    assert len(world.calls("createChatInviteLink")) == 1, "already invited: no second link"


def test_failed_invite_tells_the_player_how_to_get_another(world: World) -> None:
    user = 15
    buy_vip(world, user)
    world.system(user, CallResult("invite", None, "SenderError: 400 CHAT_ADMIN_REQUIRED", T0 + 3))
    assert "Send /vip" in world.texts(user)[-1]
    world.message(user, "/vip", T0 + 4)
    assert len(world.calls("createChatInviteLink")) == 2


def test_expiry_happens_once_removes_from_channel_and_locks_vip_chapters(world: World) -> None:
    user = 16
    buy_vip(world, user)
    ends = world.state(user).membership.ends_at
    assert world.system(user, Expire(ends, ends - 10)) == {"status": "not_due"}
    world.system(user, Expire(ends, ends + 1))
    state = world.state(user)
    assert not state.membership.is_vip(ends + 1) and state.membership.tier == "free"
    sub = world.records.subscription(user)
    assert sub is not None and sub.status == "expired"
    assert world.records.job_ran_at(f"expire:{user}:{int(ends)}") is not None
    bans = world.calls("banChatMember")
    unbans = world.calls("unbanChatMember")
    assert len(bans) == 1 and bans[0].params == {"chat_id": CHANNEL, "user_id": user}
    assert len(unbans) == 1 and unbans[0].params["only_if_banned"] is True
    assert "Your VIP has ended" in world.texts(user)[-1]

    world.system(user, Expire(ends, ends + 60))  # a second sweep, or a restart
    assert len(world.calls("banChatMember")) == 1

    stale = PlayerState.from_bytes(state.to_bytes())  # a snapshot from before the expiry
    stale.membership.tier, stale.membership.status, stale.membership.ends_at = "vip", "active", ends
    world.states[user] = stale
    world.system(user, Expire(ends, ends + 120))
    assert len(world.calls("banChatMember")) == 1, "the job key in SQLite stops a repeat"
    assert world.state(user).membership.tier == "free", "and the mirror is refreshed"

    world.message(user, "/start", ends + 150)
    world.state(user).story.chapter = 4  # as if the player had walked into the Night Garden
    world.message(user, "/story", ends + 200)
    assert "This chapter is for VIP members" in world.texts(user)[-1]


def test_reminders_go_out_once_before_expiry(world: World) -> None:
    user = 17
    buy_vip(world, user)
    ends = world.state(user).membership.ends_at
    assert due_work(world.records, ends - 5 * DAY, [3, 1]) == []
    due = due_work(world.records, ends - 2 * DAY, [3, 1])
    assert [type(d.message).__name__ for d in due] == ["Remind"] and due[0].message.days == 3  # type: ignore[union-attr]
    world.system(user, Remind(3, ends, ends - 2 * DAY))
    world.system(user, Remind(3, ends, ends - 2 * DAY + 60))
    reminders = [t for t in world.texts(user) if "Your VIP ends in" in t]
    assert reminders == [reminders[0]] and "3 days" in reminders[0]
    assert due_work(world.records, ends - 2 * DAY + 120, [3, 1]) == [], "recorded: not due again"
    late = due_work(world.records, ends - 0.5 * DAY, [3, 1])
    assert [d.message.days for d in late] == [1]  # type: ignore[union-attr]
    expiring = due_work(world.records, ends + 1, [3, 1])
    assert [type(d.message).__name__ for d in expiring] == ["Expire"]


def test_refund_goes_through_telegram_then_ends_the_subscription(world: World) -> None:
    user = 18
    buy_vip(world, user)
    assert world.system(user, RefundPayment("nope", "admin", T0 + 5)) == {
        "status": "unknown_charge"
    }
    assert world.system(user, RefundPayment("ch1", "admin", T0 + 5)) == {
        "status": "refund_requested"
    }
    call = world.calls("refundStarPayment")[-1]
    assert call.params == {"user_id": user, "telegram_payment_charge_id": "ch1"}
    assert world.state(user).membership.is_vip(T0 + 6), "nothing changes before Telegram agrees"
    assert call.result_to is not None
    world.system(user, CallResult(call.result_to[1], True, None, T0 + 6))
    payment = world.records.payment("ch1")
    assert payment is not None and payment.status == "refunded"
    assert not world.state(user).membership.is_vip(T0 + 7)
    assert "was refunded" in world.texts(user)[-1]
    assert len(world.calls("banChatMember")) == 1
    assert world.system(user, RefundPayment("ch1", "admin", T0 + 8)) == {
        "status": "already_refunded"
    }


def test_admin_grant_and_revoke_are_idempotent_by_key(world: World) -> None:
    user = 19
    result = world.system(user, GrantSubscription("vip", 7, "admin", "key-1", T0))
    assert result["status"] == "active" and result["ends_at"] == T0 + 7 * DAY
    again = world.system(user, GrantSubscription("vip", 7, "admin", "key-1", T0 + 5))
    assert again == {"status": "duplicate"}
    assert world.state(user).membership.ends_at == T0 + 7 * DAY
    assert (
        world.system(user, GrantSubscription("gold", 7, "admin", "key-2", T0))["status"]
        == "invalid"
    )
    world.system(user, RevokeSubscription("admin", "key-3", T0 + 10))
    assert not world.state(user).membership.is_vip(T0 + 11)
    assert world.records.subscription(user).status == "revoked"  # type: ignore[union-attr]


def test_admin_commands_need_the_admin_role(world: World) -> None:
    world.message(20, "/grant 21 10")
    assert "/grant is for administrators" in world.texts(20)[-1]
    assert world.told == []
    world.message(ADMIN, "/grant 21 10")
    assert world.told and world.told[-1][0] == 21
    message = world.told[-1][1]
    assert isinstance(message, GrantSubscription) and message.days == 10
    world.system(21, message)
    assert world.state(21).membership.is_vip(T0 + 1)
    world.message(ADMIN, "/grant nobody")
    assert "Usage: /grant" in world.texts(ADMIN)[-1]


def test_admins_pass_vip_gates_and_players_do_not(world: World) -> None:
    for user in (ADMIN, 22):
        world.message(user, "/start", T0)
        world.state(user).story.chapter = 4
        world.message(user, "/story", T0 + 1)
    assert "This chapter is for VIP members" in world.texts(22)[-1]
    vip_button = world.sent[22][-1].params["reply_markup"]["inline_keyboard"][0][0]
    assert vip_button["callback_data"] == "m:vip"
    assert "This chapter is for VIP members" not in world.texts(ADMIN)[-1]
    state = world.state(22)
    world.press(22, f"c:{state.story.token}:{state.story.choices_tags[0][0]}", T0 + 2)
    assert "This chapter is for VIP members" in world.texts(22)[-1], "a choice is refused too"
    assert world.state(22).story.token == state.story.token, "the story did not move"


def test_refund_of_a_recorded_payment_the_mirror_lost(world: World) -> None:
    user = 23
    buy_vip(world, user)
    world.state(user).membership.charges = []
    assert world.system(user, RefundPayment("ch1", "admin", T0 + 5)) == {"status": "unknown_charge"}
    requested = world.system(user, RefundPayment("ch1", "admin", T0 + 5, recorded_stars=250))
    assert requested == {"status": "refund_requested"}
    call = world.calls("refundStarPayment")[-1]
    assert call.result_to is not None
    world.system(user, CallResult(call.result_to[1], True, None, T0 + 6))
    assert world.records.payment("ch1").status == "refunded"  # type: ignore[union-attr]
    assert not world.state(user).membership.is_vip(T0 + 7)


def test_an_extra_tier_from_config_is_offered_sold_and_unlocks_vip(tmp_path: Path) -> None:
    tiers = '[{"id": "vip_year", "title": "VIP · 1 year", "price_stars": 2500, "period_days": 365}]'
    world = World(world_settings(tmp_path / "d", YABOT_SUBSCRIPTIONS__EXTRA_TIERS=tiers))
    try:
        world.message(30, "/vip", T0)
        invoices = [r.params for r in world.calls("sendInvoice")]
        assert [i["prices"][0]["amount"] for i in invoices] == [250, 2500]
        links = world.calls("createInvoiceLink")
        assert len(links) == 1, "only the 30-day tier can be a Telegram subscription"
        payload = invoices[1]["payload"]
        world.pre_checkout(30, payload, 2500, T0 + 1)
        assert world.calls("answerPreCheckoutQuery")[-1].params["ok"] is True
        world.pay(30, payload, 2500, "year1", T0 + 2)
        m = world.state(30).membership
        assert m.tier == "vip_year" and m.ends_at == T0 + 2 + 365 * DAY and m.is_vip(T0 + 300 * DAY)
    finally:
        world.close()


def test_a_refund_telegram_refused_can_be_asked_for_again(world: World) -> None:
    """Telegram refuses a refund (CHARGE_NOT_FOUND, a network failure...): the admin's next
    request sends a new refundStarPayment, and twice the same error is recorded twice."""
    user = 24
    buy_vip(world, user)
    failures = 0
    for attempt in range(3):
        assert world.system(user, RefundPayment("ch1", "admin", T0 + 5 + attempt)) == {
            "status": "refund_requested"
        }
        calls = world.calls("refundStarPayment")
        assert len(calls) == attempt + 1, "each request after a failure asks Telegram again"
        result_to = calls[-1].result_to
        assert result_to is not None
        if attempt < 2:
            error = "TelegramApiError: Bad Request: CHARGE_NOT_FOUND"
            world.system(user, CallResult(result_to[1], None, error, T0 + 5.5 + attempt))
            failures += 1
            assert world.records.payment("ch1").status == "paid"  # type: ignore[union-attr]
            assert world.state(user).membership.is_vip(T0 + 6 + attempt)
    audit = [a for a in world.records.audit(1000) if a.action == "payment.refund_failed"]
    assert len(audit) == failures
    assert world.system(user, RefundPayment("ch1", "admin", T0 + 9)) == {
        "status": "refund_requested"
    }, "a request while one is in flight (no answer yet) is the same request"
    assert len(world.calls("refundStarPayment")) == 3
    world.system(user, CallResult(result_to[1], True, None, T0 + 10))
    assert world.records.payment("ch1").status == "refunded"  # type: ignore[union-attr]
    assert not world.state(user).membership.is_vip(T0 + 11)
