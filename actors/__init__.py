"""A pooled actor runtime on pykka: shared worker threads, bounded mailboxes, supervision,
a keyed directory with activation and passivation, and an asyncio bridge.

Imports nothing from ``yabot``.
"""

from actors.mailbox import MailboxFull, SystemMessage
from actors.pool import PoolShutDown, WorkerPool
from actors.pooled import PooledActor, PooledFuture, default_pool, use_pool, watch

__all__ = [
    "MailboxFull",
    "PoolShutDown",
    "PooledActor",
    "PooledFuture",
    "SystemMessage",
    "WorkerPool",
    "default_pool",
    "use_pool",
    "watch",
]
