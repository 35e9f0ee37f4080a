"""Which PooledActors are alive, and what they are doing."""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pykka

    from actors._directory import Directory
    from actors._pooled import PooledActor

_live: dict[str, PooledActor] = {}
_directories: weakref.WeakSet[Directory[Any]] = weakref.WeakSet()
_directories_lock = threading.Lock()


def register(actor: PooledActor) -> None:
    """Record a started actor (called by ``PooledActor.start``)."""
    _live[actor.actor_urn] = actor


def unregister(actor: PooledActor) -> None:
    """Forget a terminated actor."""
    _live.pop(actor.actor_urn, None)


def register_directory(directory: Directory[Any]) -> None:
    """Record a Directory for :func:`directory_residents` (held weakly)."""
    with _directories_lock:
        _directories.add(directory)


def live_count() -> int:
    """Number of PooledActors started and not yet terminated."""
    return len(_live)


@dataclass(frozen=True, slots=True)
class ActorInfo:
    """A snapshot of one actor.

    Attributes:
        urn: the actor's URN.
        actor_class: its class name.
        key: its Directory key (``actor_key`` attribute), or None.
        mailbox_depth: messages queued.
        processed: messages handled so far.
        idle_seconds: seconds since its last turn ended (or since it started).
        restarts: how many times its supervisor rebuilt it before this incarnation.
        ref: its ``ActorRef`` (to tell, ask or stop it).
    """

    urn: str
    actor_class: str
    key: Any
    mailbox_depth: int
    processed: int
    idle_seconds: float
    restarts: int
    ref: pykka.ActorRef[Any]


def list_actors(limit: int | None = None) -> list[ActorInfo]:
    """Describe live PooledActors (at most ``limit``, deepest mailboxes first)."""
    now = time.monotonic()
    infos = []
    for actor in list(_live.values()):
        box = actor.actor_inbox
        infos.append(
            ActorInfo(
                urn=actor.actor_urn,
                actor_class=type(actor).__name__,
                key=getattr(actor, "actor_key", None),
                mailbox_depth=box.depth(),
                processed=box.processed,
                idle_seconds=now - box.last_activity if box.last_activity else 0.0,
                restarts=box.restarts,
                ref=actor.actor_ref,
            )
        )
    infos.sort(key=lambda info: info.mailbox_depth, reverse=True)
    return infos if limit is None else infos[:limit]


@dataclass(frozen=True, slots=True)
class Activity:
    """How many live actors of a class there are, and how many of them worked lately.

    Attributes:
        live: live actors of the class (subclasses included).
        active: those of them that have handled a message and ended a turn within the window.
    """

    live: int
    active: int


def activity(actor_class: type[PooledActor], within_s: float) -> Activity:
    """Count the live actors of ``actor_class`` and those whose last turn ended less than
    ``within_s`` seconds ago: one pass over the live actors, without describing each one
    (cheaper than :func:`list_actors` for a periodic gauge)."""
    since = time.monotonic() - within_s
    live = active = 0
    for actor in list(_live.values()):
        if not isinstance(actor, actor_class):
            continue
        live += 1
        box = actor.actor_inbox
        if box.processed and (not box.last_activity or box.last_activity > since):
            active += 1
    return Activity(live, active)


def mailbox_depths() -> list[int]:
    """Messages queued in each live PooledActor's mailbox that holds any (one entry per such
    actor; an empty mailbox is not listed). The cost follows the mailboxes holding messages,
    not the live actors."""
    from actors._mailbox import holding

    return [depth for depth in (box.depth() for box in list(holding)) if depth]


def directory_residents() -> dict[str, int]:
    """Resident keyed actors of each live Directory, by name (same names add up)."""
    with _directories_lock:
        directories = list(_directories)
    residents: dict[str, int] = {}
    for directory in directories:
        residents[directory.name] = residents.get(directory.name, 0) + directory.resident_count()
    return residents
