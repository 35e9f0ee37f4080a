"""The actor that owns one player's state: it applies updates one at a time, in order."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Histogram

from actors.directory import Directory, KeyedActor
from yabot.emotion import explain
from yabot.observability.logging import correlation, get_logger
from yabot.player.logic import Outcome, PlayerLogic, Reply
from yabot.player.state import PlayerState
from yabot.storage.records import OutboxFull, RecordsDb
from yabot.telegram.types import IncomingUpdate

log = get_logger(__name__)

TRANSITIONS = Counter("yabot_transitions_total", "Player transitions by outcome", ["outcome"])
TRANSITION_SECONDS = Histogram(
    "yabot_transition_seconds", "Time to apply one update in a player's actor",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


@dataclass(frozen=True)
class Deliver:
    """An update for the player's actor (already in the durable inbox)."""

    update: IncomingUpdate


@dataclass(frozen=True)
class Inspect:
    """Ask the actor for a consistent view of its state (for the admin API)."""


@dataclass(frozen=True)
class Wake:
    """Activate the actor so its loader replays the inbox (used at start-up recovery)."""


class PlayerEffects:
    """What a player's actor needs from the rest of the system (all thread-safe)."""

    def __init__(
        self,
        logic: PlayerLogic,
        records: RecordsDb,
        send: Callable[[Reply, str, int], None],
        snapshot: Callable[[PlayerState], None],
        snapshot_every: int,
    ) -> None:
        self.logic = logic
        self.records = records
        self.send = send
        self.snapshot = snapshot
        self.snapshot_every = snapshot_every


class PlayerActor(KeyedActor[int, PlayerState]):
    """One player's actor. Its state changes only here, one update at a time."""

    def __init__(self, key: int, directory: Directory[int], *, effects: PlayerEffects, **kw: Any) -> None:
        super().__init__(key, directory, **kw)
        self.effects = effects
        self._since_snapshot = 0

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Deliver):
            self.apply(message.update, replay=False)
            return None
        if isinstance(message, Inspect):
            return inspect_state(self.state)
        if isinstance(message, Wake):
            return self.state.last_update_id
        raise TypeError(f"player actor got an unknown message: {type(message).__name__}")

    def apply(self, update: IncomingUpdate, *, replay: bool, replied: bool = False) -> None:
        """Apply one update: transition, records in one transaction, replies, snapshot."""
        self.state = apply_update(self.effects, self.state, update, replied=replied)
        self._since_snapshot += 1
        if self._since_snapshot >= self.effects.snapshot_every:
            self._since_snapshot = 0
            self.effects.snapshot(self.state)


def apply_update(effects: PlayerEffects, state: PlayerState, update: IncomingUpdate, *, replied: bool) -> PlayerState:
    """Run one transition and its effects; return the new state (the old one on failure).

    Records go first (one SQLite transaction, idempotent by key), then replies. A failure
    leaves ``state`` unchanged; the update stays in the inbox and is applied again on the
    actor's next activation.
    """
    started = time.perf_counter()
    with correlation(f"u{update.update_id}", user_id=state.user_id, update_id=update.update_id):
        try:
            outcome: Outcome = effects.logic.handle(state, update)
        except Exception:
            TRANSITIONS.labels("error").inc()
            log.exception("player.transition_failed", kind=update.kind)
            return _failed(effects, state, update)
        if outcome.duplicate:
            TRANSITIONS.labels("duplicate").inc()
            return state
        try:
            effects.records.apply(outcome.batch)
        except OutboxFull:
            TRANSITIONS.labels("rejected_outbox_full").inc()
            log.error("player.outbox_full", kind=update.kind)
            return state
        if not replied:
            for index, reply in enumerate(outcome.replies):
                effects.send(reply, f"{update.update_id}:{index}", update.update_id)
        TRANSITIONS.labels("applied").inc()
        TRANSITION_SECONDS.observe(time.perf_counter() - started)
        return outcome.state


def _failed(effects: PlayerEffects, state: PlayerState, update: IncomingUpdate) -> PlayerState:
    """Skip a poison update: tell the player, record that it was consumed, keep going."""
    from yabot.player.texts import t

    chat_id = update.chat_id if update.chat_id is not None else state.user_id
    effects.send(
        Reply("sendMessage", {"chat_id": chat_id, "text": t("error", state.language)}, chat_id),
        f"{update.update_id}:error",
        update.update_id,
    )
    new_state = PlayerState.from_bytes(state.to_bytes())
    new_state.last_update_id = update.update_id
    return new_state


def inspect_state(state: PlayerState) -> dict[str, Any]:
    """A JSON-safe, consistent view of a player's state (taken inside the actor's turn)."""
    story = state.story
    return {
        "user_id": state.user_id,
        "language": state.language,
        "last_update_id": state.last_update_id,
        "transitions": state.transitions,
        "story": {
            "story_id": story.story_id, "version": story.version, "turn": story.turn,
            "chapter": story.chapter, "scene": story.scene, "scenes_read": story.scenes_read,
            "question": story.question, "ended": story.ended,
        },
        "signature": explain(state.signature),
        "economy": {
            "balance": state.economy.balance, "daily_day": state.economy.daily_day,
            "daily_streak": state.economy.daily_streak, "items": list(state.economy.items),
        },
        "membership": {"tier": state.membership.tier, "ends_at": state.membership.ends_at},
    }
