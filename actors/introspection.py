"""Which PooledActors are alive, and what they are doing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from actors import metrics

if TYPE_CHECKING:
    from actors.pooled import PooledActor

_live: dict[str, PooledActor] = {}


def register(actor: PooledActor) -> None:
    """Record a started actor (called by ``PooledActor.start``)."""
    _live[actor.actor_urn] = actor


def unregister(actor: PooledActor) -> None:
    """Forget a terminated actor."""
    _live.pop(actor.actor_urn, None)


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
    """

    urn: str
    actor_class: str
    key: Any
    mailbox_depth: int
    processed: int
    idle_seconds: float
    restarts: int


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
            )
        )
    infos.sort(key=lambda info: info.mailbox_depth, reverse=True)
    return infos if limit is None else infos[:limit]


def _depths() -> list[int]:
    return [actor.actor_inbox.depth() for actor in list(_live.values())]


metrics.LIVE_ACTORS.set_function(live_count)
metrics.MAILBOX_DEPTH.set_function(lambda: sum(_depths()))
metrics.MAILBOX_DEPTH_MAX.set_function(lambda: max(_depths(), default=0))
