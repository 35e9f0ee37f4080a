"""The update router: durable inbox first, then the player's actor.

``accept`` is what the webhook and the polling loop call. Updates are appended to the inbox
in group commits by one writer thread (many concurrent requests per SQLite transaction); only
when an update is durable is it acknowledged and told to its player's actor, with its inbox
arrival ``seq``. An update the actor's mailbox refuses waits in that player's own queue (the
player's later updates wait behind it, in order) and is offered again; other players' updates
flow on. Nothing is dropped.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict, deque
from collections.abc import Callable

from prometheus_client import Counter, Gauge

from actors import MailboxFull
from yabot.observability.logging import get_logger, update_fields
from yabot.storage.inbox import InboxStore
from yabot.telegram.inbox_writer import InboxWriter
from yabot.telegram.types import IncomingUpdate

log = get_logger(__name__)

ROUTED = Counter("yabot_router_updates_total", "Updates seen by the router", ["outcome"])
REDELIVERY_BACKLOG = Gauge(
    "yabot_router_redelivery_backlog", "Updates waiting for their player's full mailbox"
)
DEFERRED_PLAYERS = Gauge(
    "yabot_router_deferred_players", "Players whose mailbox is full (their updates wait)"
)
REDELIVER_EVERY_S = 0.05
DELIVERED = ROUTED.labels("delivered")  # every update: the label lookup is not free


class UpdateRouter:
    """Implements :class:`~yabot.telegram.sink.UpdateSink` over the inbox and actors.

    Args:
        inbox: The durable inbox.
        deliver: ``deliver(user_id, update, seq)``; O(1), may raise ``MailboxFull``.
        admit: Raises ``Overloaded`` when new work must be refused (e.g. outbox over budget).
    """

    def __init__(
        self,
        inbox: InboxStore,
        deliver: Callable[[int, IncomingUpdate, int], None],
        admit: Callable[[], None] = lambda: None,
        stored: Callable[[IncomingUpdate, int], None] | None = None,
    ) -> None:
        self._writer = InboxWriter(inbox)
        self._deliver = deliver
        self._admit = admit
        # Cluster mode: told of each new durable update instead of handing it over (the
        # shard's owner consumes the shared inbox in order and calls ``hand_over``).
        self._stored = stored
        # When set (tests that move time), it stamps every accepted update's received_at.
        self.clock: Callable[[], float] | None = None
        # Players whose mailbox was full, oldest first, each with its waiting updates.
        self._deferred: OrderedDict[int, deque[tuple[IncomingUpdate, int]]] = OrderedDict()
        self._backlog = 0
        self._redeliver_task: asyncio.Task[None] | None = None

    async def accept(self, update: IncomingUpdate) -> bool:
        """Append ``update`` to the inbox, then hand it to its player's actor.

        Returns:
            True if new, False for a repeated ``update_id``.

        Raises:
            Overloaded: New work is refused for now; the caller answers so Telegram retries.
        """
        if update.user_id is None:
            ROUTED.labels("no_user").inc()
            log.info(
                "router.update_without_user", update_id=update.update_id, type=update.update_type
            )
            return True
        self._admit()
        if self.clock is not None:
            update = dataclasses.replace(update, received_at=self.clock())
        stored = await self._writer.append(update)
        if not stored.new:
            ROUTED.labels("duplicate").inc()
            return False
        if self._stored is not None:
            self._stored(update, stored.seq)
        else:
            self.hand_over(update, stored.seq)
        return True

    def admit(self) -> None:
        """Raise ``Overloaded`` when new work must be refused now."""
        self._admit()

    def hand_over(self, update: IncomingUpdate, seq: int) -> None:
        """Tell an update that is already durable in the inbox (entry ``seq``) to its player's
        actor.

        Must run on the event loop. A full mailbox defers it, and the player's later updates
        behind it, in order; other players are not held up.
        """
        user_id = update.user_id
        if user_id is None:
            return
        waiting = self._deferred.get(user_id)
        if waiting is not None:
            waiting.append((update, seq))
            self._backlog += 1
            REDELIVERY_BACKLOG.set(self._backlog)
            return
        try:
            self._deliver(user_id, update, seq)
            DELIVERED.inc()
        except MailboxFull:
            ROUTED.labels("mailbox_full_deferred").inc()
            log.warning("router.mailbox_full", user_id=user_id, **update_fields(update.update_id))
            self._deferred[user_id] = deque([(update, seq)])
            self._backlog += 1
            REDELIVERY_BACKLOG.set(self._backlog)
            DEFERRED_PLAYERS.set(len(self._deferred))
            self._schedule_redelivery()

    def drop_deferred(self, keep: Callable[[int], bool]) -> int:
        """Forget the waiting updates of the players ``keep`` refuses (cluster mode: a shard
        released or lost; its next owner reads them from the inbox). Returns how many."""
        dropped = 0
        for user_id in [u for u in self._deferred if not keep(u)]:
            dropped += len(self._deferred.pop(user_id))
        self._backlog -= dropped
        REDELIVERY_BACKLOG.set(self._backlog)
        DEFERRED_PLAYERS.set(len(self._deferred))
        return dropped

    def deferred(self, user_id: int) -> int:
        """How many of the player's updates wait for room in its mailbox."""
        waiting = self._deferred.get(user_id)
        return 0 if waiting is None else len(waiting)

    def _schedule_redelivery(self) -> None:
        if self._redeliver_task is None or self._redeliver_task.done():
            self._redeliver_task = asyncio.get_running_loop().create_task(self._redeliver_loop())

    async def _redeliver_loop(self) -> None:
        while self._deferred:
            await asyncio.sleep(REDELIVER_EVERY_S)
            self.redeliver()

    def redeliver(self) -> None:
        """Offer every deferred player's waiting updates again, in order, until its mailbox
        refuses; a player whose queue empties flows normally again."""
        for user_id in list(self._deferred):
            waiting = self._deferred[user_id]
            while waiting:
                update, seq = waiting[0]
                try:
                    self._deliver(user_id, update, seq)
                except MailboxFull:
                    break
                waiting.popleft()
                self._backlog -= 1
                ROUTED.labels("redelivered").inc()
            if not waiting:
                del self._deferred[user_id]
        REDELIVERY_BACKLOG.set(self._backlog)
        DEFERRED_PLAYERS.set(len(self._deferred))

    def close(self) -> None:
        """Stop the inbox writer thread after what is queued."""
        self._writer.close()
