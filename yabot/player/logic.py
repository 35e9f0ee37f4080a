"""The pure transition of a player's state: ``(state, update) -> (state', effects)``.

Nothing here does I/O. The clock is the update's ``received_at`` (recorded in the inbox), and
every idempotency key derives from the update's inbox entry (``yabot.player.keys``), so
replaying the inbox after a crash rebuilds the same state and the same records, and the
records DB ignores what it already has. Whether an update was applied already is not decided
here: the inbox recognises repeats, and the actor skips entries its state already covers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from yabot.config import Settings
from yabot.economy.daily import DailyRule
from yabot.economy.rules import EconomyRules
from yabot.economy.store import BUY_PREFIX
from yabot.events.models import ChoiceMade, SceneRead, UpdateProcessed
from yabot.i18n import ADDRESSES, pick_language, t
from yabot.narrative import (
    Effect,
    InvalidChoiceError,
    NarrativeEngine,
    NotAskingError,
    StaleTurnError,
    Turn,
    decode_choice,
    render_stale_notice,
    render_turn,
)
from yabot.observability.logging import update_correlation_id
from yabot.player.feelings import EmotionFeelings
from yabot.player.keys import EffectKeys, effect_keys
from yabot.player.outcome import Outcome, Reply, Txn
from yabot.player.state import PlayerState
from yabot.player.subscriptions.admin import COMMANDS as ADMIN_COMMANDS
from yabot.player.subscriptions.admin import admin_command
from yabot.player.subscriptions.roles import role_of
from yabot.player.subscriptions.vip import Vip
from yabot.storage.records import ProfileUpsert
from yabot.telegram.types import IncomingUpdate

__all__ = ["Outcome", "PlayerLogic", "Reply"]

MENU_BUTTONS = ("story", "chapters", "profile", "wallet", "daily", "missions", "store", "vip")
ADDRESS_CALLBACK = "m:addr:"
CHAPTER_CALLBACK = "m:ch:"
# /lang words beyond the codes (whose first two letters are the code: "español", "english")
LANGUAGE_NAMES = {"spanish": "es", "castellano": "es", "inglés": "en", "ingles": "en"}


class PlayerLogic:
    """Deterministic player transitions for one story and economy configuration."""

    def __init__(
        self, settings: Settings, engine: NarrativeEngine, feelings: EmotionFeelings
    ) -> None:
        self._settings = settings
        self._story_id = settings.story.story
        self._engine = engine
        self._feelings = feelings
        self.economy = EconomyRules(settings.economy)
        self.vip = Vip(settings)

    def handle(
        self, state: PlayerState, update: IncomingUpdate, keys: EffectKeys | None = None
    ) -> Outcome:
        """Apply ``update`` to a copy of ``state``.

        Args:
            state: The player's state (not changed).
            update: The update, whatever its ``update_id`` compared with earlier ones.
            keys: The key bases of the update's inbox entry (``yabot.player.keys``); by
                default those of entry 0 (tests that bypass the inbox).
        """
        run = _Run(self, state.clone(), update, keys or effect_keys(update.update_id, 0))
        run.dispatch()
        run.finish()
        return run.outcome

    # The methods below are used by _Run; they are small enough to live on the logic object.
    @property
    def engine(self) -> NarrativeEngine:
        return self._engine

    @property
    def feelings(self) -> EmotionFeelings:
        return self._feelings

    @property
    def story_id(self) -> str:
        return self._story_id

    @property
    def daily_rule(self) -> DailyRule:
        return self.economy.daily_rule

    @property
    def settings(self) -> Settings:
        return self._settings


def _first_name(update: IncomingUpdate) -> str:
    try:
        raw = json.loads(update.raw)
    except ValueError:
        return ""
    for kind in ("message", "callback_query"):
        sender = (raw.get(kind) or {}).get("from") or {}
        if sender.get("first_name"):
            return str(sender["first_name"])[:64]
    return ""


class _Run(Txn):
    """One update's transition in progress."""

    def __init__(
        self, logic: PlayerLogic, state: PlayerState, update: IncomingUpdate, keys: EffectKeys
    ) -> None:
        chat_id = update.chat_id if update.chat_id is not None else state.user_id
        correlation_id = update_correlation_id(update.update_id)
        super().__init__(state, update.received_at, chat_id, keys.records, correlation_id)
        self.logic = logic
        self.update = update

    def variables(self) -> dict[str, Any]:
        state = self.state
        values = self.logic.feelings.variables(state.signature)
        role = role_of(state, self.now, self.logic.vip.admin_ids)
        values.update(
            lang=state.language,
            address=state.address,
            is_vip=role != "player",
            besitos=state.economy.balance,
            inventory=list(state.economy.items),
        )
        return values

    # ---- dispatch -------------------------------------------------------------------------
    def dispatch(self) -> None:
        update, state = self.update, self.state
        if state.created_at == 0.0 or update.command == "start":
            state.first_name = _first_name(update) or state.first_name
        if state.created_at == 0.0:
            state.created_at = self.now
            state.language = pick_language(
                update.language_code, self.logic.settings.story.default_language
            )
        state.signature = self.logic.feelings.on_interaction(
            state.signature, self.now, state.last_seen_at
        )
        handlers: dict[str, Callable[[], None]] = {
            "command": self.on_command,
            "message": self.on_text,
            "callback_query": self.on_callback,
            "pre_checkout_query": lambda: self.logic.vip.pre_checkout(self, update),
            "successful_payment": lambda: self.logic.vip.paid(self, update),
        }
        handler = handlers.get(update.kind)
        if handler is not None:
            handler()

    def finish(self) -> None:
        state, update = self.state, self.update
        self.logic.economy.settle(self)
        state.last_update_id = update.update_id
        state.transitions += 1
        state.last_seen_at = self.now
        self.outcome.batch.at = self.now
        self.event(UpdateProcessed(update_id=update.update_id, kind=update.kind))

    # ---- commands -------------------------------------------------------------------------
    def on_command(self) -> None:
        command = (self.update.command or "").lower()
        actions: dict[str, Callable[[], None]] = {
            "start": self.cmd_start,
            "story": self.cmd_story,
            "menu": self.cmd_menu,
            "profile": self.cmd_profile,
            "lang": self.cmd_lang,
            "chapters": self.cmd_chapters,
            "help": lambda: self.say(t("help", self.lang)),
            "wallet": lambda: self.logic.economy.wallet(self),
            "daily": lambda: self.logic.economy.daily(self),
            "missions": lambda: self.logic.economy.show_missions(self),
            "store": lambda: self.logic.economy.show_store(self),
            "vip": lambda: self.logic.vip.offer(self),
        }
        action = actions.get(command)
        if action is None and command in ADMIN_COMMANDS:
            subs = self.logic.settings.subscriptions
            admin_command(
                self,
                command,
                self.update.args or "",
                self.logic.vip.admin_ids,
                subs.vip_period_days,
            )
            return
        if action is None:
            self.say(t("unknown_command", self.lang, command="/" + command))
            return
        action()

    def cmd_start(self) -> None:
        state = self.state
        first_visit = not state.story.state
        name = state.first_name or t("friend", self.lang)
        self.outcome.batch.profiles.append(
            ProfileUpsert(
                state.user_id, first_name=state.first_name, language_code=self.update.language_code
            )
        )
        self.say(
            t(
                "welcome" if first_visit or state.story.ended else "welcome_back",
                self.lang,
                name=name,
            )
        )
        if first_visit or state.story.ended:
            self.show(
                self.logic.engine.begin(
                    self.logic.story_id, self.variables(), seed=str(self.update.update_id)
                )
            )
        else:
            self.resume()

    def cmd_story(self) -> None:
        if not self.state.story.state:
            self.show(
                self.logic.engine.begin(
                    self.logic.story_id, self.variables(), seed=str(self.update.update_id)
                )
            )
        else:
            self.resume()

    def resume(self) -> None:
        story = self.state.story
        if not self.logic.vip.may_continue(self):
            self.logic.vip.locked(self)
            return
        self.show(
            self.logic.engine.resume(story.story_id, story.ink_json() or "", self.variables())
        )

    def cmd_menu(self) -> None:
        rows = [
            [{"text": t(f"menu_{name}", self.lang), "callback_data": f"m:{name}"}]
            for name in MENU_BUTTONS
        ]
        self.say(t("menu", self.lang), {"inline_keyboard": rows})

    def cmd_profile(self) -> None:
        state = self.state
        lines = [self.logic.feelings.describe(state.signature, self.lang)]
        tier = t("tier_vip" if state.membership.is_vip(self.now) else "tier_free", self.lang)
        story, balance = state.story, state.economy.balance
        lines.append(
            t(
                "profile_progress",
                self.lang,
                c=story.chapter,
                s=story.scenes_read,
                b=balance,
                tier=tier,
            )
        )
        self.say("\n\n".join(lines))

    def cmd_lang(self) -> None:
        """``/lang [en|es] [f|m|n]``: switch (or toggle) the language; in Spanish, offer how the
        story addresses the player."""
        args = (self.update.args or "").strip().lower().split()
        state = self.state
        wanted = LANGUAGE_NAMES.get(args[0], args[0][:2]) if args else ""
        if wanted in ADDRESSES and len(args) == 1:
            self.set_address(wanted)
            return
        if wanted and wanted not in ("en", "es"):
            self.say(t("lang_usage", self.lang))
            return
        state.language = wanted or ("es" if state.language == "en" else "en")
        state.language_locked = True
        self.say(t("lang_switched", self.lang))
        if len(args) > 1 and args[1] in ADDRESSES:
            state.address, state.address_asked = args[1], True
            self.say(t(f"address_set_{args[1]}", self.lang))
        elif self.lang == "es":
            self.ask_address()
        if state.story.state:
            self.resume()

    def ask_address(self) -> None:
        """Offer the three ways Spanish can address the player (neutral is the default)."""
        self.state.address_asked = True
        rows = [
            [{"text": t(f"address_{a}", self.lang), "callback_data": ADDRESS_CALLBACK + a}]
            for a in ("f", "m", "n")
        ]
        self.say(t("address_ask", self.lang), {"inline_keyboard": rows})

    def set_address(self, address: str) -> None:
        """Keep ``address`` and re-show the current moment in it."""
        state = self.state
        state.address, state.address_asked = address, True
        self.say(t(f"address_set_{address}", self.lang))
        if state.story.state and not state.story.ended:
            self.resume()

    # ---- chapters -------------------------------------------------------------------------
    def finished_chapters(self) -> list[int]:
        """Chapters the player has finished (before the furthest reached; all at an ending)."""
        story = self.state.story
        last = story.furthest if story.ended else story.furthest - 1
        return list(range(1, last + 1))

    def cmd_chapters(self) -> None:
        """``/chapters``: a button per finished chapter, to replay it."""
        done = self.finished_chapters()
        if not done:
            self.say(t("chapters_none", self.lang))
            return
        rows = [
            [
                {
                    "text": t("chapters_button", self.lang, n=n),
                    "callback_data": f"{CHAPTER_CALLBACK}{n}",
                }
            ]
            for n in done
        ]
        self.say(t("chapters_title", self.lang), {"inline_keyboard": rows})

    def replay_chapter(self, raw: str) -> None:
        story = self.state.story
        chapter = int(raw) if raw.isdigit() and len(raw) <= 3 else 0
        if chapter not in self.finished_chapters() or not story.state:
            self.say(t("chapters_unknown", self.lang))
            return
        vip = self.logic.vip
        if chapter in vip.vip_chapters and role_of(self.state, self.now, vip.admin_ids) == "player":
            vip.locked(self)
            return
        try:
            turn = self.logic.engine.begin_chapter(
                story.story_id,
                story.ink_json() or "",
                chapter,
                self.variables(),
                seed=str(self.update.update_id),
            )
        except InvalidChoiceError:
            self.say(t("chapters_unknown", self.lang))
            return
        self.show(turn)

    # ---- story ----------------------------------------------------------------------------
    def on_text(self) -> None:
        story = self.state.story
        text = self.update.text or ""
        if story.question and story.state:
            self.state.signature = self.logic.feelings.on_text(
                self.state.signature, text, self.lang, self.now
            )
            try:
                turn = self.logic.engine.answer(
                    story.story_id, story.ink_json() or "", self.variables(), text
                )
            except NotAskingError:
                story.question = None
                self.say(t("unknown", self.lang))
                return
            self.show(turn)
            return
        self.say(t("unknown", self.lang))

    def on_callback(self) -> None:
        data = self.update.callback_data or ""
        callback_id = self.update.callback_id
        answer: dict[str, Any] = {}
        if data.startswith("m:"):
            name = data[2:]
            economy, vip = self.logic.economy, self.logic.vip
            menu: dict[str, Callable[[], None]] = {
                "story": self.cmd_story,
                "chapters": self.cmd_chapters,
                "profile": self.cmd_profile,
                "menu": self.cmd_menu,
                "wallet": lambda: economy.wallet(self),
                "daily": lambda: economy.daily(self),
                "missions": lambda: economy.show_missions(self),
                "store": lambda: economy.show_store(self),
                "vip": lambda: vip.offer(self),
            }
            action = menu.get(name)
            if action is not None:
                action()
            elif data.startswith(ADDRESS_CALLBACK) and data[len(ADDRESS_CALLBACK) :] in ADDRESSES:
                self.set_address(data[len(ADDRESS_CALLBACK) :])
            elif data.startswith(CHAPTER_CALLBACK):
                self.replay_chapter(data[len(CHAPTER_CALLBACK) :])
            else:
                self.say(t("unknown", self.lang))
        elif data.startswith(BUY_PREFIX):
            self.logic.economy.buy(self, data[len(BUY_PREFIX) :])
        else:
            answer = self.on_choice(data)
        if callback_id:
            self.outcome.replies.append(
                Reply("answerCallbackQuery", {"callback_query_id": callback_id, **answer}, None)
            )

    def on_choice(self, data: str) -> dict[str, Any]:
        story = self.state.story
        decoded = decode_choice(data)
        if decoded is None or not story.state:
            return render_stale_notice(self._lang_literal())
        token, index = decoded
        if token != story.token:
            return render_stale_notice(self._lang_literal())
        if not self.logic.vip.may_continue(self):
            self.logic.vip.locked(self)
            return {}
        try:
            turn = self.logic.engine.choose(
                story.story_id, story.ink_json() or "", token, index, self.variables()
            )
        except (StaleTurnError, InvalidChoiceError):
            return render_stale_notice(self._lang_literal())
        chosen = next((c for c in story.choices_tags if c[0] == index), None)
        tags = tuple(chosen[1]) if chosen else ()
        self.event(
            ChoiceMade(story=story.story_id, scene=story.scene, choice_index=index, tags=list(tags))
        )
        self.logic.economy.count(self, "choices")
        self.show(turn)
        return {}

    def show(self, turn: Turn) -> None:
        story = self.state.story
        story.story_id = turn.story_id
        story.version = turn.version
        story.set_ink_json(turn.state)
        story.turn = turn.number
        story.token = turn.token
        story.question = turn.ask
        story.ended = turn.ended
        story.choices_tags = [[c.index, list(c.tags)] for c in turn.choices]
        if not turn.replayed:
            self.apply_effects(story.scene, turn.effects)
        story.chapter = turn.chapter
        story.scene = turn.scene
        story.furthest = max(story.furthest, turn.chapter)
        resonance = self.state.signature.resonance if turn.gates else None
        for params in render_turn(turn, self.chat_id, self._lang_literal(), resonance):
            self.outcome.replies.append(Reply("sendMessage", params, self.chat_id))

    def apply_effects(self, scene: str, effects: tuple[Effect, ...]) -> None:
        """Apply a turn's effects; a reward or unlock is paid once per scene, ever (a replayed
        chapter pays nothing twice)."""
        paid = self.state.story.paid
        for effect in effects:
            if effect.kind == "scene":
                scene = effect.name
            elif effect.kind in ("reward", "unlock"):
                key = f"{scene}:{effect.kind}:{effect.name}"
                if key in paid:
                    continue
                paid.append(key)
            self.apply_effect(effect.kind, effect.name, effect.amount)

    def apply_effect(self, kind: str, name: str, amount: int) -> None:
        state = self.state
        if kind == "emo":
            tag = f"emo:{name}{'+' if amount >= 0 else '-'}{abs(amount)}"
            state.signature = self.logic.feelings.on_choice(state.signature, tag, self.now)
        elif kind == "reward":
            self.credit(amount, "story reward")
        elif kind == "unlock":
            self.unlock(name)
        elif kind == "scene":
            state.story.scenes_read += 1
            self.event(SceneRead(story=state.story.story_id, scene=name))
            self.logic.economy.count(self, "scenes")

    def _lang_literal(self) -> Any:
        return self.state.language if self.state.language in ("en", "es") else "en"
