"""A player's state, owned by that player's actor and persisted in snapshots."""

from __future__ import annotations

import base64
import json
import marshal
import sys
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any, TypeVar

from yabot.economy.state import Economy
from yabot.emotion import Signature

STATE_SCHEMA = 2  # 2: the ink state in base64 (1: base85, ~50x slower to encode in CPython)
# ``StoryPosition.state`` holds the ink save zlib-compressed (a zlib stream starts with 0x78),
# or, after an unpack, as its UTF-8 text behind this marker: compressing it again at every
# unpack cost a third of the unpack, for players whose next update does not move the story.
_INK_TEXT = b"\x00"


@dataclass(slots=True, eq=False)
class StoryPosition:
    """Where the player stands in the story."""

    story_id: str = ""
    version: str = ""
    # The engine's opaque state: zlib-compressed (ink JSON is 10-19 KB raw), or its text
    # behind ``_INK_TEXT`` while the player is active after an unpack; read it with
    # ``ink_json``. Snapshots always carry the compressed form.
    state: bytes = b""
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
        state = self.state
        if not state:
            return None
        if state[:1] == _INK_TEXT:
            return state[1:].decode("utf-8")
        return zlib.decompress(state).decode("utf-8")

    def set_ink_json(self, text: str) -> None:
        """Store ``text`` compressed."""
        self.state = zlib.compress(text.encode("utf-8"), 6)

    def compressed(self) -> bytes:
        """The ink state zlib-compressed, as snapshots carry it (b"" before the story)."""
        state = self.state
        return zlib.compress(state[1:], 6) if state[:1] == _INK_TEXT else state

    def __eq__(self, other: object) -> bool:
        # Equal whatever the ink state's form (compressed, or text after an unpack).
        if not isinstance(other, StoryPosition):
            return NotImplemented
        return all(
            getattr(self, name) == getattr(other, name)
            for name in StoryPosition.__slots__
            if name != "state"
        ) and (self.state == other.state or self.ink_json() == other.ink_json())

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass default


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
    # [charge_id, stars, tier, refunded] and, once Telegram refused a refund, how many times
    charges: list[list[Any]] = field(default_factory=list)

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
        return json.dumps(self._as_dict(ink_text=False), separators=(",", ":")).encode("utf-8")

    def _as_dict(self, *, ink_text: bool) -> dict[str, Any]:
        # What ``dataclasses.asdict`` gives, without its deep copy (two thirds of a snapshot's
        # CPU): the dict is only read by ``json.dumps``.
        data = _fields(self)
        story = _fields(self.story)
        if ink_text:
            story["state"] = self.story.ink_json() or ""
        else:
            story["state"] = base64.b64encode(self.story.compressed()).decode("ascii")
        data["story"] = story
        data["signature"] = self.signature.to_dict()
        data["economy"] = _fields(self.economy)
        data["membership"] = _fields(self.membership)
        data["schema"] = STATE_SCHEMA
        return data

    @classmethod
    def from_bytes(cls, raw: bytes) -> PlayerState:
        """Rebuild a state written by :meth:`to_bytes`."""
        data = json.loads(raw)
        schema = data.pop("schema", 1)
        story = data["story"]
        text = story["state"].encode("ascii")
        story["state"] = base64.b64decode(text) if schema >= 2 else base64.b85decode(text)
        return cls._from_dict(data)

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> PlayerState:
        data.pop("schema", None)
        story = data.pop("story")
        data["signature"] = Signature.from_dict(data["signature"])
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


class StatePacker:
    """Packs a resident player's whole state into one small ``bytes`` while the player is idle.

    A mid-story state is about 4 KB of Python objects (ink save, signature, economy lists);
    packed it is a few hundred bytes: its fields in ``marshal`` form with the ink save in clear
    (3-6x faster than JSON both ways, and about as small once deflated), deflated with a
    preset dictionary. The dictionary is the first state packed in this process that has begun
    the story, so every later state is compressed as a delta from a similar one (the ink saves
    of one story share most of their text). Packed states live only in this process's memory:
    snapshots keep using :meth:`PlayerState.to_bytes`, which needs no dictionary.

    Thread-safe: the dictionary is chosen once, under a lock; packing and unpacking share it.
    """

    _PLAIN, _WITH_DICT = b"\x00", b"\x01"

    def __init__(self, level: int = 6) -> None:
        self._level = level
        self._zdict: bytes | None = None
        self._lock = threading.Lock()

    def pack(self, state: PlayerState) -> bytes:
        """The packed form of ``state`` (``unpack`` gives back an equal state)."""
        raw = marshal.dumps(state._as_dict(ink_text=True))
        zdict = self._zdict
        if zdict is None and state.story.state:
            with self._lock:
                if self._zdict is None:
                    self._zdict = raw[-32768:]  # deflate's window: only the last 32 KiB count
                zdict = self._zdict
        if zdict is None:
            compressor = zlib.compressobj(self._level, zlib.DEFLATED, -15)
            return self._PLAIN + compressor.compress(raw) + compressor.flush()
        compressor = zlib.compressobj(
            self._level, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict
        )
        return self._WITH_DICT + compressor.compress(raw) + compressor.flush()

    def unpack(self, packed: bytes) -> PlayerState:
        """The state ``packed`` was made from.

        Raises:
            ValueError: ``packed`` was not made by this packer.
        """
        marker, body = packed[:1], packed[1:]
        if marker == self._WITH_DICT and self._zdict is not None:
            decompressor = zlib.decompressobj(-15, self._zdict)
        elif marker == self._PLAIN:
            decompressor = zlib.decompressobj(-15)
        else:
            raise ValueError("not a state packed by this StatePacker")
        raw = decompressor.decompress(body)
        if not decompressor.eof:  # a whole stream is inflated by one call (and one GIL release)
            raw += decompressor.flush()
        data = marshal.loads(raw)
        story = data["story"]
        ink = story["state"]
        story["state"] = b""
        state = PlayerState._from_dict(data)
        if ink:
            # Kept as text: compressed again only if a snapshot needs it before the story
            # moves (a move stores the new state compressed) or the player is packed again.
            state.story.state = _INK_TEXT + ink.encode("utf-8")
        return state


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
