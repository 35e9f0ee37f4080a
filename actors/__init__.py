"""A pooled actor runtime on pykka: shared worker threads, bounded mailboxes, supervision,
a keyed directory with activation and passivation, and an asyncio bridge.

Imports nothing from ``yabot``. See ``actors/README.md``.
"""

from actors.bridge import ask_async, wrap_future
from actors.directory import Directory, DirectoryClosed, KeyedActor
from actors.introspection import ActorInfo, list_actors
from actors.mailbox import MailboxFull, SystemMessage
from actors.pool import PoolShutDown, WorkerPool
from actors.pooled import PooledActor, PooledFuture, default_pool, use_pool, watch
from actors.supervision import (
    Intensity,
    Restart,
    Strategy,
    Supervisor,
    SupervisorGaveUp,
    request_stop_tree,
    stop_tree,
    supervise,
)

__all__ = [
    "ActorInfo",
    "Directory",
    "DirectoryClosed",
    "Intensity",
    "KeyedActor",
    "MailboxFull",
    "PoolShutDown",
    "PooledActor",
    "PooledFuture",
    "Restart",
    "Strategy",
    "Supervisor",
    "SupervisorGaveUp",
    "SystemMessage",
    "WorkerPool",
    "ask_async",
    "default_pool",
    "list_actors",
    "request_stop_tree",
    "stop_tree",
    "supervise",
    "use_pool",
    "watch",
    "wrap_future",
]
