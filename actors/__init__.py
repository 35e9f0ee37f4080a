"""A pooled actor runtime on pykka: shared worker threads, bounded mailboxes, supervision,
a keyed directory with activation and passivation, and an asyncio bridge.

Everything public is imported from here (``from actors import Directory``); the ``_``
modules are private. Imports nothing from ``yabot``; see ``actors/README.md``.
"""

from actors._directory import Directory, DirectoryClosed, KeyedActor
from actors._future import PooledFuture, ask_async, wrap_future
from actors._introspection import (
    Activity,
    ActorInfo,
    activity,
    directory_residents,
    list_actors,
    live_count,
    mailbox_depths,
)
from actors._mailbox import MailboxFull, SystemMessage
from actors._metrics import ActorMetrics, get_metrics, set_metrics
from actors._pool import PoolShutDown, WorkerPool
from actors._pooled import PooledActor, default_pool, use_pool, watch
from actors._supervision import (
    Intensity,
    Restart,
    Strategy,
    Supervisor,
    SupervisorGaveUp,
    request_stop_tree,
    stop_tree,
    supervise,
)
from actors._timers import TimerHandle

__all__ = [
    "Activity",
    "ActorInfo",
    "ActorMetrics",
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
    "TimerHandle",
    "WorkerPool",
    "activity",
    "ask_async",
    "default_pool",
    "directory_residents",
    "get_metrics",
    "list_actors",
    "live_count",
    "mailbox_depths",
    "request_stop_tree",
    "set_metrics",
    "stop_tree",
    "supervise",
    "use_pool",
    "watch",
    "wrap_future",
]
