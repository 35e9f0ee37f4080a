"""What a player transition produces, and the helpers every transition uses to produce it.

A :class:`Txn` is one transition in progress: it changes a copy of the player's state and
collects replies (Bot API calls), records (one SQLite transaction) and messages for other
actors. Every idempotency key derives from ``key_base`` (the update id, or the key of a
scheduled job or admin request), so doing the same work again writes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from yabot.events.models import BesitosCredited, BesitosDebited, Event, EventPayload, make_event
from yabot.player.state import PlayerState
from yabot.storage.records import ItemUnlock, JobRun, LedgerEntry, RecordBatch

RECENT_KEPT = 20


@dataclass(frozen=True)
class Reply:
    """One Bot API call the transition asks for.

    ``result_to`` = ``(user_id, tag)`` hands the call's result back to that player's actor
    as a :class:`~yabot.player.system.CallResult` (e.g. the link of ``createChatInviteLink``).
    """

    method: str
    params: dict[str, Any]
    chat_id: int | None
    result_to: tuple[int, str] | None = None


@dataclass
class Outcome:
    """The new state and every effect of one transition.

    ``guard`` is a ``JobRun`` key written with the work (e.g. ``payment:<charge id>``): when
    the records DB already has it, the work was done before and nothing is written or sent
    again. ``result`` is what an ``ask`` of the actor returns; ``tells`` are messages for
    other players' actors.
    """

    state: PlayerState
    replies: list[Reply] = field(default_factory=list)
    batch: RecordBatch = field(default_factory=RecordBatch)
    tells: list[tuple[int, Any]] = field(default_factory=list)
    guard: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    key_base: str = ""


class Txn:
    """One transition in progress over ``state`` (already a private copy)."""

    def __init__(
        self, state: PlayerState, now: float, chat_id: int, key_base: str, correlation_id: str
    ) -> None:
        self.state = state
        self.now = now
        self.chat_id = chat_id
        self.key_base = key_base
        self.correlation_id = correlation_id
        self.outcome = Outcome(state, key_base=key_base)
        self._seq = 0

    @property
    def lang(self) -> str:
        """The player's language."""
        return self.state.language

    def key(self, what: str) -> str:
        """A fresh idempotency key, deterministic for this transition."""
        self._seq += 1
        return f"{self.key_base}:{what}:{self._seq}"

    def say(self, text: str, markup: dict[str, Any] | None = None) -> None:
        """Send ``text`` to the player's chat."""
        params: dict[str, Any] = {"chat_id": self.chat_id, "text": text}
        if markup is not None:
            params["reply_markup"] = markup
        self.outcome.replies.append(Reply("sendMessage", params, self.chat_id))

    def call(
        self, method: str, params: dict[str, Any], chat_id: int | None, result_to: str | None = None
    ) -> None:
        """Ask for any Bot API call; ``result_to`` tags a result this actor wants back."""
        back = (self.state.user_id, result_to) if result_to else None
        self.outcome.replies.append(Reply(method, params, chat_id, back))

    def event(self, payload: EventPayload) -> None:
        """Publish an event (outbox, same transaction as the records)."""
        event: Event = make_event(
            payload,
            user_id=self.state.user_id,
            correlation_id=self.correlation_id,
            occurred_at=datetime.fromtimestamp(self.now, UTC),
            idempotency_key=self.key(payload.event_type),
        )
        self.outcome.batch.events.append(event)

    def credit(self, amount: int, reason: str, key: str | None = None) -> None:
        """Add besitos (a ledger entry); nothing for a non-positive amount.

        ``key`` overrides the derived idempotency key (an admin request's own key).
        """
        if amount <= 0:
            return
        eco = self.state.economy
        eco.balance += amount
        key = key or self.key("credit")
        self.outcome.batch.ledger.append(
            LedgerEntry(self.state.user_id, amount, reason, key, self.correlation_id)
        )
        self.event(BesitosCredited(amount=amount, reason=reason, balance_after=eco.balance))
        self._remember(amount, reason)

    def debit(self, amount: int, reason: str, key: str | None = None) -> bool:
        """Take besitos; refused (False, nothing written) when the balance is too small."""
        eco = self.state.economy
        if amount <= 0 or amount > eco.balance:
            return False
        eco.balance -= amount
        key = key or self.key("debit")
        self.outcome.batch.ledger.append(
            LedgerEntry(self.state.user_id, -amount, reason, key, self.correlation_id)
        )
        self.event(BesitosDebited(amount=amount, reason=reason, balance_after=eco.balance))
        self._remember(-amount, reason)
        return True

    def unlock(self, item: str) -> None:
        """Give the player ``item`` (the story's ``has_item`` sees it)."""
        items = self.state.economy.items
        if item not in items:
            items.append(item)
        self.outcome.batch.items.append(ItemUnlock(self.state.user_id, item, self.key("unlock")))

    def once(self, key: str) -> None:
        """Make this transition's work happen at most once for ``key`` (see ``Outcome.guard``)."""
        self.outcome.guard = key
        self.outcome.batch.job_runs.append(JobRun(key))

    def tell(self, user_id: int, message: Any) -> None:
        """Send ``message`` to another player's actor once this transition is recorded."""
        self.outcome.tells.append((user_id, message))

    def _remember(self, amount: int, reason: str) -> None:
        eco = self.state.economy
        eco.recent = ([[amount, reason, self.now], *eco.recent])[:RECENT_KEPT]
