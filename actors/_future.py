"""Futures of PooledActors, and awaiting pykka futures and asks from asyncio without
blocking the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

import pykka
from pykka import ThreadingFuture

if TYPE_CHECKING:
    from pykka._types import OptExcInfo

logger = logging.getLogger(__name__)

T = TypeVar("T")


class PooledFuture(ThreadingFuture[T]):
    """A ThreadingFuture that can also call back when it completes (used by the asyncio bridge)."""

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[PooledFuture[T]], None]] | None = None

    def add_done_callback(self, callback: Callable[[PooledFuture[T]], None]) -> None:
        """Call ``callback(self)`` once a value or exception is set (now if already set).

        The callback runs on the thread that completes the future (a pool worker).
        """
        with self._condition:
            if self._result is None:
                if self._callbacks is None:
                    self._callbacks = []
                self._callbacks.append(callback)
                return
        callback(self)

    def __await__(self) -> Generator[Any, None, T]:
        """Await without blocking the event loop (pykka's own ``__await__`` calls ``get()``)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # not in asyncio: keep pykka's behaviour
            return (yield from super().__await__())
        return (yield from wrap_future(self).__await__())

    __iter__ = __await__

    def set(self, value: Any | None = None) -> None:
        super().set(value)
        self._run_callbacks()

    def set_exception(self, exc_info: OptExcInfo | None = None) -> None:
        super().set_exception(exc_info)
        self._run_callbacks()

    def _run_callbacks(self) -> None:
        with self._condition:
            callbacks, self._callbacks = self._callbacks, None
        for callback in callbacks or ():
            try:
                callback(self)
            except Exception:
                logger.exception("future callback failed")


def wrap_future(future: pykka.Future[T]) -> asyncio.Future[T]:
    """Return an asyncio future of the running loop that completes with ``future``.

    A PooledFuture completes the asyncio future through ``loop.call_soon_threadsafe``
    (no thread is held). Any other pykka future (ThreadingActor's, or derived ones
    like ``map``/``join``) is waited for in the loop's default executor.
    Cancelling the asyncio future does not cancel the actor's work.
    """
    loop = asyncio.get_running_loop()
    if not isinstance(future, PooledFuture) or future._get_hook is not None:
        return loop.run_in_executor(None, future.get)
    result: asyncio.Future[T] = loop.create_future()

    def settle() -> None:
        if result.done():
            return
        try:
            value = future.get(timeout=0)
        except BaseException as error:
            result.set_exception(error)
        else:
            result.set_result(value)

    def on_done(_: PooledFuture[T]) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(settle)

    future.add_done_callback(on_done)
    return result


async def ask_async(ref: pykka.ActorRef[Any], message: Any, timeout: float | None = None) -> Any:
    """``ref.ask(message)`` for asyncio code: awaits the reply without blocking the loop.

    Raises:
        MailboxFull: at once, if the actor's mailbox is full.
        TimeoutError: if no reply came within ``timeout`` seconds.
        Exception: whatever the actor's handler raised.
    """
    future = ref.ask(message, block=False)
    return await asyncio.wait_for(wrap_future(future), timeout)
