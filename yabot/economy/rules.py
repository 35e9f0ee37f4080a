"""The player's economy commands (/wallet, /daily, /missions, /store and buying) as steps of a
transition, plus the bookkeeping the rest of the transition calls (counters, missions)."""

from __future__ import annotations

from yabot.config import EconomySettings
from yabot.economy.daily import DailyRule, claim, streak_alive
from yabot.economy.missions import Missions
from yabot.economy.store import Store
from yabot.events.models import DailyClaimed
from yabot.i18n import format_duration, t
from yabot.player.outcome import Txn


class EconomyRules:
    """Daily reward, missions and store built from :class:`EconomySettings`."""

    def __init__(self, eco: EconomySettings) -> None:
        self.daily_rule = DailyRule(
            eco.timezone,
            eco.daily_reset_hour,
            eco.daily_base_reward,
            eco.daily_streak_bonus,
            eco.daily_streak_cap,
        )
        self.missions = Missions(eco.missions, eco.weekly_missions, self.daily_rule)
        self.store = Store(eco.store)
        self.wallet_movements = eco.wallet_movements

    def wallet(self, txn: Txn) -> None:
        """``/wallet``: the balance and the last movements."""
        eco = txn.state.economy
        lines = [t("wallet", txn.lang, balance=eco.balance)]
        if eco.recent:
            lines.append(t("wallet_movements", txn.lang))
            lines += [
                f"{amount:+d} · {self.reason_text(str(reason), txn.lang)}"
                for amount, reason, _ in eco.recent[: self.wallet_movements]
            ]
        else:
            lines.append(t("wallet_empty", txn.lang))
        txn.say("\n".join(lines))

    def reason_text(self, reason: str, lang: str) -> str:
        """A ledger reason (``daily reward``, ``mission: <id>`` ...) in the player's language."""
        kind, sep, ref = reason.partition(": ")
        if reason == "daily reward":
            return t("reason_daily", lang)
        if reason == "story reward":
            return t("reason_story", lang)
        if sep and kind == "mission":
            spec = next(
                (m for m in self.missions.achievements + self.missions.pool if m.id == ref), None
            )
            title = (spec.title_es if lang == "es" else spec.title_en) if spec else ref
            return t("reason_mission", lang, title=title)
        if sep and kind == "store":
            item = self.store.items.get(ref)
            return t("reason_store", lang, title=self.store.title(item, lang) if item else ref)
        return reason

    def daily(self, txn: Txn) -> None:
        """``/daily``: claim today's reward, or be told how long until the next one."""
        eco = txn.state.economy
        result = claim(self.daily_rule, eco.daily_day, eco.daily_streak, txn.now)
        if not result.granted:
            txn.say(
                t("daily_refused", txn.lang, left=format_duration(result.seconds_left, txn.lang))
            )
            return
        eco.daily_day, eco.daily_streak = result.day, result.streak
        txn.credit(result.amount, "daily reward")
        txn.event(DailyClaimed(day=result.day, streak=result.streak, reward=result.amount))
        self.missions.bump(eco, "daily_claims", txn.now)
        txn.say(
            t(
                "daily_granted",
                txn.lang,
                amount=result.amount,
                streak=result.streak,
                balance=eco.balance,
            )
        )

    def rollover(self, txn: Txn) -> None:
        """A new reward day: a streak that can no longer continue drops to 0; weeks roll."""
        eco = txn.state.economy
        if eco.daily_streak and not streak_alive(self.daily_rule, eco.daily_day, txn.now):
            eco.daily_streak = 0
        self.missions.roll_week(eco, txn.now)

    def show_missions(self, txn: Txn) -> None:
        """``/missions``: achievements and this week's missions with progress."""
        txn.say(self.missions.describe(txn.state, txn.now))

    def show_store(self, txn: Txn) -> None:
        """``/store``: the catalogue."""
        self.store.show(txn)

    def buy(self, txn: Txn, item_id: str) -> None:
        """A store button was pressed."""
        if self.store.buy(txn, item_id):
            self.missions.bump(txn.state.economy, "purchases", txn.now)

    def count(self, txn: Txn, counter: str) -> None:
        """Count one scene read, choice made ... toward missions."""
        self.missions.bump(txn.state.economy, counter, txn.now)

    def settle(self, txn: Txn) -> None:
        """At the end of every transition: credit what was completed."""
        self.missions.evaluate(txn)
