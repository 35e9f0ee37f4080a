"""A player's state, owned by that player's actor and persisted in snapshots."""

from __future__ import annotations

import base64
import json
import sys
import zlib
from dataclasses import dataclass, field
from typing import Any, TypeVar

from yabot.economy.state import Economy
from yabot.emotion import Signature

STATE_SCHEMA = 2  # 2: the ink state in base64 (1: base85, ~50x slower to encode in CPython)


@dataclass(slots=True)
class StoryPosition:
    """Where the player stands in the story."""

    story_id: str = ""
    version: str = ""
    state: bytes = b""  # the engine's opaque state, zlib-compressed (ink JSON is 10-19 KB raw)
    turn: int = 0
    token: str = ""
    choices_tags: list[list[Any]] = field(default_factory=list)
    question: str | None = None
    chapter: int = 0
    scene: str = ""
    scenes_read: int = 0
    ended: bool = False
    furthest: int = 0  # the furthest chapter reached (chapters before it can be replayed)
    paid: list[str] = field(default_factory=list)  # "<scene>:<reward|unlock>:<name>" paid once

    def ink_json(self) -> str | None:
        """The ink state as JSON text, or None before the story began."""
        return zlib.decompress(self.state).decode("utf-8") if self.state else None

    def set_ink_json(self, text: str) -> None:
        """Store ``text`` compressed."""
        self.state = zlib.compress(text.encode("utf-8"), 6)


@dataclass(slots=True)
class Membership:
    """Subscription mirror: tier and end time (the records DB is authoritative)."""

    tier: str = "free"
    ends_at: float = 0.0
    reminded: list[int] = field(default_factory=list)
    in_channel: bool = False
    started_at: float = 0.0
    status: str = ""  # "", active, expired, refunded, revoked
    invite_link: str = ""  # the last channel invite handed to the player
    charges: list[list[Any]] = field(default_factory=list)  # [charge_id, stars, tier, refunded]

    def is_vip(self, now: float) -> bool:
        """Whether a paid tier (every paid tier unlocks VIP) is active at ``now``."""
        return self.tier != "free" and self.ends_at > now


@dataclass(slots=True)
class PlayerState:
    """Everything one player's actor owns."""

    user_id: int
    language: str = "en"
    language_locked: bool = False
    address: str = "n"  # how Spanish addresses the player: "f", "m" or "n" (neutral)
    address_asked: bool = False
    first_name: str = ""
    role: str = "player"
    last_update_id: int = -1  # the last applied update's id: shown, never compared
    snapshot_version: int = 0
    transitions: int = 0
    created_at: float = 0.0
    last_seen_at: float = 0.0
    story: StoryPosition = field(default_factory=StoryPosition)
    signature: Signature = field(default_factory=Signature)
    economy: Economy = field(default_factory=Economy)
    membership: Membership = field(default_factory=Membership)
    inbox_seq: int = 0  # the inbox arrival seq of the last applied (or consumed) update

    def clone(self) -> PlayerState:
        """A deep copy that a transition may change freely (the signature is immutable, so
        it is shared; every list and dict is copied)."""
        story = _shallow(self.story)
        story.choices_tags = _copied(story.choices_tags)
        story.paid = list(story.paid)
        economy = _shallow(self.economy)
        economy.missions_done = list(economy.missions_done)
        economy.recent = _copied(economy.recent)
        economy.items = list(economy.items)
        economy.counts = dict(economy.counts)
        economy.week_counts = dict(economy.week_counts)
        membership = _shallow(self.membership)
        membership.reminded = list(membership.reminded)
        membership.charges = _copied(membership.charges)
        state = _shallow(self)
        state.story, state.economy, state.membership = story, economy, membership
        return state

    def to_bytes(self) -> bytes:
        """Serialise for a snapshot (JSON; the ink state is base64 of its compressed bytes)."""
        # What ``dataclasses.asdict`` gives, without its deep copy (two thirds of a snapshot's
        # CPU): the dict is only read by ``json.dumps``, right here.
        data = _fields(self)
        story = _fields(self.story)
        story["state"] = base64.b64encode(self.story.state).decode("ascii")
        data["story"] = story
        data["signature"] = self.signature.to_dict()
        data["economy"] = _fields(self.economy)
        data["membership"] = _fields(self.membership)
        data["schema"] = STATE_SCHEMA
        return json.dumps(data, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> PlayerState:
        """Rebuild a state written by :meth:`to_bytes`."""
        data = json.loads(raw)
        schema = data.pop("schema", 1)
        story = data.pop("story")
        data["signature"] = Signature.from_dict(data["signature"])
        text = story["state"].encode("ascii")
        story["state"] = base64.b64decode(text) if schema >= 2 else base64.b85decode(text)
        # Values that thousands of resident states share are kept once, not once per state.
        _intern(data, "language", "role")
        _intern(story, "story_id", "version", "scene")
        membership = data.pop("membership")
        _intern(membership, "tier", "status")
        return cls(
            story=StoryPosition(**story),
            economy=Economy(**data.pop("economy")),
            membership=Membership(**membership),
            **data,
        )


_T = TypeVar("_T")


def _shallow(value: _T) -> _T:
    """A copy of a slotted dataclass instance sharing its field values (``replace`` without
    ``__init__``: a clone runs on every transition)."""
    cls = type(value)
    copy = object.__new__(cls)
    for name in cls.__slots__:  # type: ignore[attr-defined]
        setattr(copy, name, getattr(value, name))
    return copy


def _fields(value: Any) -> dict[str, Any]:
    """A slotted dataclass instance's fields in order, values shared (not copied)."""
    return {name: getattr(value, name) for name in type(value).__slots__}


def _intern(data: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if type(data.get(key)) is str:
            data[key] = sys.intern(data[key])


def _copied(value: Any) -> Any:
    """A copy of JSON-like lists and dicts at every depth (scalars are immutable)."""
    if type(value) is list:
        return [_copied(item) for item in value]
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    return value
