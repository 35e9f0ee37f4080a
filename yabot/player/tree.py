"""The players' supervisor tree: root -> players -> one supervisor per shard -> player actors.

A shard supervisor restarts its crashed player actors (through the repository's loader).
One that restarts too often gives up and fails; the players supervisor then restarts that
shard's supervisor alone (other shards are untouched). If the players supervisor itself gives
up, the root restarts it with fresh shard supervisors; if the root gives up, ``gave_up`` is set
and ``/readyz`` reports the bot not ready.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pykka

from actors import Intensity, Supervisor, supervise
from yabot.observability.logging import get_logger
from yabot.shards import shard_of

log = get_logger(__name__)


class _ShardFactory:
    __slots__ = ("shard", "tree")

    def __init__(self, tree: PlayersTree, shard: int) -> None:
        self.tree = tree
        self.shard = shard

    def __call__(self) -> pykka.ActorRef[Any]:
        return self.tree._start_shard(self.shard)


class PlayersTree:
    """The supervisors of the player actors, one per shard.

    Args:
        shards: ``runtime.shards``.
        intensity: Restart limits of every supervisor in the tree.
        on_give_up: Called once the root supervisor gave up (nothing restarts it).
    """

    def __init__(
        self,
        shards: int,
        intensity: Intensity,
        on_give_up: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.shards = shards
        self._intensity = intensity
        self.gave_up: BaseException | None = None
        self._on_give_up = on_give_up
        self._shard_refs: list[pykka.ActorRef[Any]] = []
        self.root = Supervisor.start("root", intensity=intensity, on_give_up=self._root_gave_up)
        self.players = self._start_players()
        supervise(self.root, "players", self._start_players, ref=self.players)

    def _start_players(self) -> pykka.ActorRef[Any]:
        players = Supervisor.start("players", intensity=self._intensity)
        refs = []
        for shard in range(self.shards):
            ref = Supervisor.start(f"shard-{shard}", intensity=self._intensity)
            supervise(players, shard, _ShardFactory(self, shard), ref=ref)
            refs.append(ref)
        self._shard_refs = refs
        self.players = players
        return players

    def _start_shard(self, shard: int) -> pykka.ActorRef[Any]:
        ref = Supervisor.start(f"shard-{shard}", intensity=self._intensity)
        self._shard_refs[shard] = ref
        log.warning("players.shard_supervisor_restarted", shard=shard)
        return ref

    def _root_gave_up(self, error: BaseException) -> None:
        self.gave_up = error
        log.error("runtime.root_supervisor_gave_up", error=type(error).__name__)
        if self._on_give_up is not None:
            self._on_give_up(error)

    def supervisor_for(self, user_id: int) -> pykka.ActorRef[Any]:
        """The supervisor of ``user_id``'s shard (the Directory's ``supervisor_for``)."""
        return self._shard_refs[shard_of(user_id, self.shards)]

    def shard_supervisor(self, shard: int) -> pykka.ActorRef[Any]:
        """The current supervisor of ``shard``."""
        return self._shard_refs[shard]
