"""Supervisors: actors that restart their children when they crash.

A supervisor is a PooledActor holding a dict of children (O(1) add and remove, so a
user-shard supervisor can hold 100,000 dynamic children). When a child terminates with a
failure the supervisor rebuilds it by calling the child's *factory* again (never by reusing
the crashed object), after an exponential backoff, following its strategy:

- ``one_for_one``: only the failed child is restarted;
- ``one_for_all``: every child is stopped, then all are restarted in start order;
- ``rest_for_one``: the failed child and the children started after it are.

More than ``Intensity.max_restarts`` restarts within ``Intensity.period`` seconds make the
supervisor give up: it stops all its children, then fails itself with ``SupervisorGaveUp``,
which its own parent handles like any child failure (escalation). The root supervisor,
having no parent, calls its ``on_give_up`` callback.

``stop_tree(ref)`` stops a supervisor children-first, recursively.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pykka

from actors import _metrics
from actors._future import PooledFuture
from actors._mailbox import Mailbox, SystemMessage
from actors._pooled import PooledActor, watch

logger = logging.getLogger(__name__)

ChildFactory = Callable[[], "pykka.ActorRef[Any] | None"]
"""``factory()`` starts a child and returns its ref; None means "no longer needed"."""


class Strategy(StrEnum):
    """Which children restart when one fails."""

    ONE_FOR_ONE = "one_for_one"
    ONE_FOR_ALL = "one_for_all"
    REST_FOR_ONE = "rest_for_one"


class Restart(StrEnum):
    """When a child is restarted: always, only after a failure, or never."""

    PERMANENT = "permanent"
    TRANSIENT = "transient"
    TEMPORARY = "temporary"


@dataclass(frozen=True, slots=True)
class Intensity:
    """Restart limits of a supervisor.

    Attributes:
        max_restarts: restarts allowed within ``period`` before the supervisor gives up.
        period: the sliding window, in seconds.
        backoff_base: delay before the first restart in a window, in seconds; it doubles
            with each further restart in the window.
        backoff_max: the longest delay, in seconds.
    """

    max_restarts: int = 10
    period: float = 5.0
    backoff_base: float = 0.005
    backoff_max: float = 1.0

    def backoff(self, restarts_in_window: int) -> float:
        """Delay before restart number ``restarts_in_window`` (1-based) of the window."""
        if self.backoff_base <= 0:
            return 0.0
        exponent = min(max(0, restarts_in_window - 1), 30)
        return float(min(self.backoff_max, self.backoff_base * (2**exponent)))


class SupervisorGaveUp(Exception):
    """A supervisor exceeded its restart intensity and stopped its children."""


class _Child:
    """One child's record; also the watcher that reports its exits to the supervisor."""

    __slots__ = ("child_id", "factory", "on_abandon", "ref", "restart", "restarts", "supervisor")

    def __init__(
        self,
        supervisor: pykka.ActorRef[Supervisor],
        child_id: Hashable,
        factory: ChildFactory,
        restart: Restart,
        ref: pykka.ActorRef[Any] | None,
        on_abandon: Callable[[], None] | None,
    ) -> None:
        self.supervisor = supervisor
        self.child_id = child_id
        self.factory = factory
        self.restart = restart
        self.ref = ref
        self.on_abandon = on_abandon
        self.restarts = 0

    def __call__(self, exited: pykka.ActorRef[Any], failure: BaseException | None) -> None:
        _tell_quietly(self.supervisor, _ChildExited(self.child_id, exited, failure))


class _AddChild(SystemMessage):
    __slots__ = ("child",)

    def __init__(self, child: _Child) -> None:
        self.child = child


class _ChildExited(SystemMessage):
    __slots__ = ("child_id", "failure", "ref")

    def __init__(
        self, child_id: Hashable, ref: pykka.ActorRef[Any], failure: BaseException | None
    ) -> None:
        self.child_id = child_id
        self.ref = ref
        self.failure = failure


class _RestartDue(SystemMessage):
    __slots__ = ()


class _StopTree(SystemMessage):
    __slots__ = ()


class Supervisor(PooledActor):
    """An actor that supervises children added with ``supervise()``.

    Args:
        name: used in logs and the ``supervisor`` label of metrics.
        strategy: see ``Strategy``.
        intensity: see ``Intensity``.
        on_give_up: called (on a pool thread) when this supervisor gives up; meant for the
            root supervisor, e.g. to shut the process down.
    """

    mailbox_limit = None

    def __init__(
        self,
        name: str = "supervisor",
        strategy: Strategy = Strategy.ONE_FOR_ONE,
        intensity: Intensity | None = None,
        on_give_up: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.strategy = Strategy(strategy)
        self.intensity = intensity or Intensity()
        self.on_give_up = on_give_up
        self._children: dict[Hashable, _Child] = {}
        self._restart_times: deque[float] = deque()
        self._awaiting: set[Hashable] = set()
        self._to_restart: set[Hashable] = set()
        self._stopping = False
        self._gave_up: BaseException | None = None

    def __str__(self) -> str:
        return f"Supervisor {self.name} ({self.actor_urn})"

    def child_count(self) -> int:
        """Number of children (running or waiting to restart); use through a proxy or ask."""
        return len(self._children)

    def child_ids(self) -> list[Hashable]:
        """Ids of the children in start order."""
        return list(self._children)

    def on_receive(self, message: Any) -> Any:
        """Handle the supervisor's own protocol; anything else is logged and ignored."""
        if isinstance(message, _ChildExited):
            return self._child_exited(message)
        if isinstance(message, _AddChild):
            return self._add_child(message.child)
        if isinstance(message, _RestartDue):
            return self._restart_due()
        if isinstance(message, _StopTree):
            return self._stop_tree()
        return super().on_receive(message)

    def on_stop(self) -> None:
        """A plain ``stop()`` leaves no orphans: children are told to stop (not awaited)."""
        self._abandon_all()

    def on_failure(self, *_: Any) -> None:
        """After a crash of the supervisor itself, children are told to stop."""
        self._abandon_all()

    def _abandon_all(self) -> None:
        for child in list(self._children.values()):
            self._stop_child(child)
            self._remove(child, abandoned=child.ref is None)

    def _add_child(self, child: _Child) -> None:
        if self._stopping:
            self._children[child.child_id] = child
            self._stop_child(child)
            return
        old = self._children.get(child.child_id)
        if old is not None and old.ref is not None and old.ref.is_alive():
            logger.warning(
                "child id reused while the previous child is alive",
                extra={"supervisor": self.name, "child": repr(child.child_id)},
            )
        self._children[child.child_id] = child

    def _child_exited(self, event: _ChildExited) -> None:
        child = self._children.get(event.child_id)
        if child is None or child.ref is not event.ref:
            return  # a stale incarnation
        child.ref = None
        if self._stopping:
            self._remove(child, abandoned=False)
            self._finish_stop_if_done()
            return
        if child.child_id in self._awaiting:
            self._awaiting.discard(child.child_id)
            if child.restart is Restart.TEMPORARY:
                self._remove(child, abandoned=False)
                self._to_restart.discard(child.child_id)
            self._schedule_restart_if_ready()
            return
        failed = event.failure is not None
        if child.restart is Restart.TEMPORARY or (
            child.restart is Restart.TRANSIENT and not failed
        ):
            self._remove(child, abandoned=False)
            return
        self._restart_after_exit(child, event.failure)

    def _restart_after_exit(self, child: _Child, failure: BaseException | None) -> None:
        now = time.monotonic()
        window = self._restart_times
        window.append(now)
        while window and window[0] < now - self.intensity.period:
            window.popleft()
        if len(window) > self.intensity.max_restarts:
            self._give_up(child, failure)
            return
        for other in self._group(child):
            if other.child_id == child.child_id:
                self._to_restart.add(other.child_id)
            elif other.ref is not None and other.child_id not in self._awaiting:
                self._awaiting.add(other.child_id)
                self._to_restart.add(other.child_id)
                self._stop_child(other)
        self._schedule_restart_if_ready()

    def _group(self, failed: _Child) -> list[_Child]:
        if self.strategy is Strategy.ONE_FOR_ONE:
            return [failed]
        children = list(self._children.values())
        if self.strategy is Strategy.ONE_FOR_ALL:
            return children
        return children[children.index(failed) :]

    def _schedule_restart_if_ready(self) -> None:
        if self._awaiting or not self._to_restart:
            return
        delay = self.intensity.backoff(len(self._restart_times))
        ref = self.actor_ref
        if delay <= 0:
            ref.tell(_RestartDue())
            return
        self.actor_inbox.pool.call_later(delay, lambda: _tell_quietly(ref, _RestartDue()))

    def _restart_due(self) -> None:
        if self._awaiting or self._stopping:
            return
        due, self._to_restart = self._to_restart, set()
        if len(due) == 1 or self.strategy is Strategy.ONE_FOR_ONE:
            children = [c for c in map(self._children.get, due) if c is not None]
        else:  # group restarts go in start order
            children = [c for c in self._children.values() if c.child_id in due]
        for child in children:
            if child.ref is not None:
                continue
            try:
                ref = child.factory()
            except Exception as error:
                logger.exception(
                    "child factory failed",
                    extra={"supervisor": self.name, "child": repr(child.child_id)},
                )
                self._restart_after_exit(child, error)
                continue
            if ref is None:
                self._remove(child, abandoned=False)
                continue
            child.ref = ref
            child.restarts += 1
            if isinstance(ref.actor_inbox, Mailbox):
                ref.actor_inbox.restarts = child.restarts
            _metrics.get_metrics().restarted(self.name)
            watch(ref, child)

    def _give_up(self, child: _Child, failure: BaseException | None) -> None:
        _metrics.get_metrics().escalated(self.name)
        logger.error(
            "supervisor restart intensity exceeded; stopping children and escalating",
            extra={
                "supervisor": self.name,
                "child": repr(child.child_id),
                "max_restarts": self.intensity.max_restarts,
                "period": self.intensity.period,
            },
        )
        self._gave_up = SupervisorGaveUp(
            f"{self.name}: more than {self.intensity.max_restarts} restarts in "
            f"{self.intensity.period}s (last failure: {failure!r})"
        )
        self._stop_tree()

    def _stop_tree(self) -> None:
        self._stopping = True
        self._awaiting.clear()
        self._to_restart.clear()
        for child in reversed(list(self._children.values())):
            if child.ref is None:
                self._remove(child, abandoned=True)
            else:
                self._stop_child(child)
        self._finish_stop_if_done()

    def _finish_stop_if_done(self) -> None:
        if self._children:
            return
        if self._gave_up is None:
            self._stop()
            return
        if self.on_give_up is not None:
            self.on_give_up(self._gave_up)
        raise self._gave_up

    def _stop_child(self, child: _Child) -> None:
        ref = child.ref
        if ref is None:
            return
        if issubclass(ref.actor_class, Supervisor):
            _tell_quietly(ref, _StopTree())
        else:
            with contextlib.suppress(pykka.ActorDeadError):
                ref.stop(block=False)

    def _remove(self, child: _Child, *, abandoned: bool) -> None:
        self._children.pop(child.child_id, None)
        self._awaiting.discard(child.child_id)
        if abandoned and child.on_abandon is not None:
            try:
                child.on_abandon()
            except Exception:
                logger.exception("on_abandon failed", extra={"supervisor": self.name})


def _tell_quietly(ref: pykka.ActorRef[Any], message: Any) -> None:
    with contextlib.suppress(pykka.ActorDeadError):
        ref.tell(message)


def supervise(
    supervisor: pykka.ActorRef[Supervisor],
    child_id: Hashable,
    factory: ChildFactory,
    *,
    restart: Restart = Restart.PERMANENT,
    ref: pykka.ActorRef[Any] | None = None,
    on_abandon: Callable[[], None] | None = None,
) -> pykka.ActorRef[Any]:
    """Start a child with ``factory()`` (unless ``ref`` is given) under ``supervisor``.

    O(1) and non-blocking: safe on an asyncio event-loop thread if ``factory`` only calls
    ``PooledActor.start``. The factory is called again for every restart, on a pool thread.

    Args:
        supervisor: the supervisor's ref.
        child_id: unique among the supervisor's children.
        factory: starts the child and returns its ref (None: the child is no longer needed).
        restart: when to restart the child.
        ref: an already started first incarnation (the factory is then used for restarts).
        on_abandon: called if the supervisor gives up on a child that was waiting to restart.

    Returns:
        The child's ref.

    Raises:
        pykka.ActorDeadError: if the supervisor is not alive (the child is then stopped).
    """
    if ref is None:
        ref = factory()
        if ref is None:
            raise ValueError(f"factory of child {child_id!r} returned no actor")
    child = _Child(supervisor, child_id, factory, Restart(restart), ref, on_abandon)
    try:
        supervisor.tell(_AddChild(child))
    except pykka.ActorDeadError:
        ref.stop(block=False)
        raise
    watch(ref, child)
    return ref


def request_stop_tree(ref: pykka.ActorRef[Any]) -> PooledFuture[None]:
    """Stop a supervisor children-first (recursively); returns a future set once it stopped.

    Works for a plain PooledActor too (it is simply stopped).
    """
    done: PooledFuture[None] = PooledFuture()

    def finished(_: pykka.ActorRef[Any], __: BaseException | None) -> None:
        done.set(None)

    watch(ref, finished)
    if issubclass(ref.actor_class, Supervisor):
        _tell_quietly(ref, _StopTree())
    else:
        with contextlib.suppress(pykka.ActorDeadError):
            ref.stop(block=False)
    return done


def stop_tree(ref: pykka.ActorRef[Any], timeout: float | None = 5.0) -> bool:
    """Blocking ``request_stop_tree``; True if the tree stopped within ``timeout`` seconds.

    Do not call it on an asyncio loop thread or from an actor (await
    ``actors.wrap_future(request_stop_tree(ref))`` instead).
    """
    try:
        request_stop_tree(ref).get(timeout=timeout)
    except pykka.Timeout:
        return False
    return True
