"""Await pykka futures and asks from asyncio without blocking the event loop."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import pykka

from actors.pooled import PooledFuture

T = TypeVar("T")


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
