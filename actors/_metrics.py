"""The metrics hook: events of the runtime worth counting, reported to whatever the
application installs with :func:`set_metrics` (nothing by default, no registry touched)."""

from __future__ import annotations


class ActorMetrics:
    """Receives the runtime's countable events; every method does nothing here.

    Subclass it, override what you count and install it with :func:`set_metrics`. Methods
    run on the thread that caused the event (a pool thread, or the caller of ``tell``): keep
    them cheap, non-blocking and free of exceptions.
    Levels (live actors, mailbox depths, residents) are read when wanted through
    :func:`actors.live_count`, :func:`actors.mailbox_depths` and
    :func:`actors.directory_residents` rather than pushed.
    """

    def rejected(self, actor_class: str, reason: str) -> None:
        """A message was refused at send time (``mailbox_full``, ``pool_shut_down``, ...)."""

    def dropped(self, actor_class: str, count: int) -> None:
        """``count`` told messages were still queued when their actor stopped."""

    def failed(self, actor_class: str) -> None:
        """An actor stopped on an unhandled exception."""

    def activated(self, directory: str) -> None:
        """A Directory activated a keyed actor (its loader ran)."""

    def passivated(self, directory: str, reason: str) -> None:
        """A Directory passivated a keyed actor (``idle``, ``capacity``, ``stop``, ...)."""

    def restarted(self, supervisor: str) -> None:
        """A supervisor restarted a child."""

    def escalated(self, supervisor: str) -> None:
        """A supervisor exceeded its restart intensity and gave up."""


_NULL = ActorMetrics()
_current: ActorMetrics = _NULL


def set_metrics(metrics: ActorMetrics | None) -> None:
    """Install the hook that receives the runtime's events (None: count nothing)."""
    global _current
    _current = metrics if metrics is not None else _NULL


def get_metrics() -> ActorMetrics:
    """The installed hook (a do-nothing :class:`ActorMetrics` when none is)."""
    return _current
