"""Daily reward, missions and the store, through the player's transitions."""

from __future__ import annotations

from pathlib import Path

from tests.economy.world import T0, World, world_settings
from yabot.economy.daily import DailyRule, claim
from yabot.economy.missions import Missions, week_of
from yabot.player.messages import AdjustBesitos, Rollover

DAY = 86_400


def test_daily_reset_hour_in_the_configured_time_zone() -> None:
    rule = DailyRule("America/Mexico_City", reset_hour=4, base_reward=10, streak_bonus=5)
    # 2026-11-18 09:59 UTC is 03:59 in Mexico City: still the reward day of the 17th.
    before_reset = 1_794_995_940.0
    first = claim(rule, None, 0, before_reset)
    assert first.granted and first.day == "2026-11-17"
    refused = claim(rule, first.day, first.streak, before_reset + 30)
    assert not refused.granted and 0 < refused.seconds_left <= 60, "a minute until 04:00 local"
    after_reset = claim(rule, first.day, first.streak, before_reset + 61)
    assert after_reset.granted and after_reset.streak == 2 and after_reset.amount == 15


def test_streak_grows_on_consecutive_days_and_resets_after_a_missed_one(world: World) -> None:
    user = 1
    amounts = []
    for day in (0, 1, 2, 4):
        world.message(user, "/daily", T0 + day * DAY)
        amounts.append(world.state(user).economy.daily_streak)
    assert amounts == [1, 2, 3, 1], "day 3 was missed: the streak starts again"
    texts = world.texts(user)
    assert "10 besitos" in texts[0] and "15 besitos" in texts[1] and "20 besitos" in texts[2]
    world.message(user, "/daily", T0 + 4 * DAY + 60)
    assert "already claimed" in world.texts(user)[-1] and "Come back in" in world.texts(user)[-1]


def test_rollover_drops_a_broken_streak(world: World) -> None:
    world.message(2, "/daily", T0)
    world.system(2, Rollover(T0 + DAY))
    assert world.state(2).economy.daily_streak == 1, "yesterday's claim can still be continued"
    world.system(2, Rollover(T0 + 2 * DAY + 3600))
    assert world.state(2).economy.daily_streak == 0


def test_wallet_lists_the_last_movements(world: World) -> None:
    world.message(3, "/daily", T0)
    world.system(3, AdjustBesitos(40, "welcome gift", "admin", "k1", T0 + 1))
    world.press(3, "s:hint", T0 + 2)
    world.message(3, "/wallet", T0 + 3)
    wallet = world.texts(3)[-1]
    assert "You have 45 besitos" in wallet
    assert (
        "-5 · store: A hint from Lucien" in wallet
        and "+40 · welcome gift" in wallet
        and "+10 · daily gift" in wallet
    )


def test_wallet_reasons_are_in_the_players_language(world: World) -> None:
    world.message(4, "/lang es", T0)
    world.message(4, "/daily", T0 + 1)
    world.press(4, "s:hint", T0 + 2)
    world.message(4, "/wallet", T0 + 3)
    wallet = world.texts(4)[-1]
    assert "+10 · regalo diario" in wallet and "-5 · tienda: " in wallet, wallet
    assert "daily" not in wallet and "store:" not in wallet


def test_store_refuses_without_enough_besitos_then_sells_an_item_the_story_sees(
    world: World,
) -> None:
    user = 4
    world.message(user, "/store", T0)
    catalogue = world.sent[user][-1].params
    buttons = [
        b["callback_data"] for row in catalogue["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert "s:rose_pin" in buttons
    world.press(user, "s:rose_pin", T0 + 1)
    assert "costs 30 besitos and you have 0" in world.texts(user)[-1]
    assert world.records.items(user) == [] and world.records.balance(user) == 0
    world.system(user, AdjustBesitos(35, "gift", "admin", "k", T0 + 2))
    world.press(user, "s:rose_pin", T0 + 3)
    assert "You bought Silver rose pin for 30 besitos. Balance: 5." in world.texts(user)[-1]
    assert [i.item for i in world.records.items(user)] == ["rose_pin"]
    assert "rose_pin" in world.state(user).economy.items
    world.press(user, "s:rose_pin", T0 + 4)
    assert "already own" in world.texts(user)[-1] and world.records.balance(user) == 5
    world.press(user, "s:no_such_thing", T0 + 5)
    assert "no longer sold" in world.texts(user)[-1]


def test_mission_completes_once_and_tells_the_player(world: World) -> None:
    user = 5
    world.message(user, "/start", T0)
    for step in range(12):
        state = world.state(user)
        if state.story.question:
            world.message(user, "I feel curious and a little afraid", T0 + step + 1)
            continue
        choice = state.story.choices_tags[0][0]
        world.press(user, f"c:{state.story.token}:{choice}", T0 + step + 1)
    done = [t for t in world.texts(user) if "Mission complete: First steps" in t]
    assert len(done) == 1
    movements = [
        m for m in world.records.movements(user, 100) if m.reason == "mission: first_steps"
    ]
    assert len(movements) == 1 and movements[0].amount == 10
    assert "first_steps" in world.state(user).economy.missions_done


def test_weekly_missions_rotate_deterministically(tmp_path: Path) -> None:
    settings = world_settings(tmp_path / "d")
    missions = Missions(settings.economy.missions, 2, DailyRule())
    week1, week2 = week_of(DailyRule(), T0), week_of(DailyRule(), T0 + 7 * DAY)
    assert week1 == "2026-W47" and week2 == "2026-W48"
    assert [m.id for m in missions.weekly(week1)] == [m.id for m in missions.weekly(week1)]
    picks = {tuple(m.id for m in missions.weekly(f"2026-W{n:02d}")) for n in range(1, 30)}
    assert len(picks) > 1, "the weekly set changes from week to week"


def test_weekly_mission_counts_only_this_week(world: World) -> None:
    user = 6
    missions = world.logic.economy.missions
    week = week_of(DailyRule(), T0)
    weekly_ids = [m.id for m in missions.weekly(week)]
    world.message(user, "/daily", T0)
    world.message(user, "/missions", T0 + 1)
    text = world.texts(user)[-1]
    assert "Achievements:" in text and f"This week's missions ({week})" in text
    if "weekly_daily" in weekly_ids:
        assert "Claim your gift 3 times this week · 1/3" in text


def test_menu_offers_every_economy_entry_and_each_button_answers(world: World) -> None:
    world.message(7, "/menu", T0)
    rows = world.sent[7][-1].params["reply_markup"]["inline_keyboard"]
    data = [b["callback_data"] for row in rows for b in row]
    assert {"m:wallet", "m:daily", "m:missions", "m:store", "m:vip"} <= set(data)
    for step, button in enumerate(data):
        before, answered = len(world.sent[7]), len(world.calls("answerCallbackQuery"))
        world.press(7, button, T0 + 1 + step)
        assert len(world.sent[7]) > before, f"{button} said something"
        answers = len(world.calls("answerCallbackQuery"))
        assert answers == answered + 1, f"{button} answered the press"
    assert "Tap to buy" in " ".join(world.texts(7))
    assert world.calls("sendInvoice"), "the VIP button offers an invoice"
