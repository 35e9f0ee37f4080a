"""What the economy needs from a player's transition, as protocols.

`yabot.player` drives the economy (its transition calls these rules); the economy only sees a
player through these views, so it imports nothing from `yabot.player`
(`yabot.player.outcome.Txn` and `yabot.player.state.PlayerState` satisfy them).
"""

from __future__ import annotations

from typing import Any, Protocol

from yabot.economy.state import Economy
from yabot.emotion import Signature
from yabot.events.models import EventPayload


class StoryView(Protocol):
    """Where the player stands in the story."""

    @property
    def chapter(self) -> int:
        """The chapter the player is in."""
        ...


class PlayerView(Protocol):
    """The parts of a player's state the economy reads (and, for ``economy``, changes)."""

    @property
    def economy(self) -> Economy:
        """The player's besitos mirror and reward progress."""
        ...

    @property
    def language(self) -> str:
        """The player's language code."""
        ...

    @property
    def signature(self) -> Signature:
        """The player's emotional signature."""
        ...

    @property
    def story(self) -> StoryView:
        """The player's story position."""
        ...


class Transition(Protocol):
    """One transition in progress: the effects the economy may ask for."""

    @property
    def state(self) -> PlayerView:
        """The player's state (a private copy the transition may change)."""
        ...

    @property
    def now(self) -> float:
        """The transition's time (Unix seconds)."""
        ...

    @property
    def lang(self) -> str:
        """The player's language."""
        ...

    def say(self, text: str, markup: dict[str, Any] | None = None) -> None:
        """Send ``text`` to the player's chat."""
        ...

    def event(self, payload: EventPayload) -> None:
        """Publish an event in the transition's records transaction."""
        ...

    def credit(self, amount: int, reason: str, key: str | None = None) -> None:
        """Add besitos (a ledger entry)."""
        ...

    def debit(self, amount: int, reason: str, key: str | None = None) -> bool:
        """Take besitos; False (nothing written) when the balance is too small."""
        ...

    def unlock(self, item: str) -> None:
        """Give the player ``item``."""
        ...
