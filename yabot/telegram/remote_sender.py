"""Bot API calls made by the webhook process on behalf of the bot's process.

With ``telegram.sender_in_webhook_process`` (and the webhook process running), the bot's
process keeps a :class:`RemoteSender`: it takes replies like the :class:`Sender` does (from any
thread, in order per chat, bounded, deduplicated) and ships each one as an ``S`` frame to the
webhook process, whose :class:`SenderHost` hands it to a real :class:`Sender` there (pacing,
retries, circuit breaker) and answers with a ``D`` frame when Telegram took it or it was given
up. The HTTP work of every reply (a quarter of the bot's CPU per update, measured in
``docs/benchmarks.md``) then runs on the other core.

A call is "in flight" from ``submit`` to its ``D`` frame. When the webhook process dies, the
calls in flight are shipped again, in submission order, to the next one: a reply the dead
process had sent but not yet reported goes out twice, as after a crash of a single process
(the reply outbox makes every reply durable before it is submitted, so none is lost).
``call`` (setWebhook and other calls made outside the chats' queues) stays in the bot's
process, on a local :class:`Sender`.

Frames, each carrying what one event-loop turn produced: ``S`` (bot to webhook process)
``pickle([(id, method, params, chat_id, want_result, correlation_id), ...])``; ``D`` (back)
``pickle([(id, result, error), ...])`` with ``error`` None or ``(kind, method, code, text)``;
``B`` (back) ``b"1"`` / ``b"0"`` when the circuit breaker opens / closes.
"""

from __future__ import annotations

import asyncio
import pickle
import time
from typing import TYPE_CHECKING, Any

from yabot.observability.logging import get_logger
from yabot.telegram.sender import (
    QUEUE_DEPTH,
    ResultCallback,
    Sender,
    SenderClosed,
    SenderError,
    SubmitGate,
    TelegramApiError,
)

if TYPE_CHECKING:
    from yabot.config import Settings
    from yabot.telegram.frames import FrameWriter

log = get_logger(__name__)

SEND = b"S"
DONE = b"D"
BREAKER = b"B"
_PROTOCOL = pickle.HIGHEST_PROTOCOL
EncodedError = tuple[str, str, int, str] | None


def encode_error(error: Exception | None) -> EncodedError:
    """An error of the Sender as plain data for a ``D`` frame."""
    if error is None:
        return None
    if isinstance(error, TelegramApiError):
        return ("api", error.method, error.error_code, error.description)
    if isinstance(error, SenderClosed):
        return ("closed", "", 0, str(error))
    return ("other", "", 0, f"{type(error).__name__}: {error}")


def decode_error(encoded: EncodedError) -> SenderError | None:
    """The Sender's error a ``D`` frame carried."""
    if encoded is None:
        return None
    kind, method, code, text = encoded
    if kind == "api":
        return TelegramApiError(method, code, text)
    if kind == "closed":
        return SenderClosed(text)
    return SenderError(text)


class _RemoteJob:
    __slots__ = ("chat_id", "correlation_id", "id", "method", "on_result", "params", "shipped_to")

    def __init__(
        self,
        job_id: int,
        method: str,
        params: dict[str, Any],
        chat_id: int | None,
        on_result: ResultCallback | None,
        correlation_id: str | None,
    ) -> None:
        self.id = job_id
        self.correlation_id = correlation_id
        self.method = method
        self.params = params
        self.chat_id = chat_id
        self.on_result = on_result
        self.shipped_to = 0


class RemoteSender:
    """The bot's sender when the webhook process makes the Bot API calls.

    Create it, ``await start()``, then submit; the webhook process supervisor calls
    :meth:`connected`, :meth:`on_frame` and :meth:`disconnected` (on the loop thread).

    Args:
        settings: YABOT's settings (``telegram`` section).
        dedupe_memory: How many ``dedupe_key`` values are remembered.
    """

    def __init__(self, settings: Settings, *, dedupe_memory: int = 100_000) -> None:
        self._local = Sender(settings)
        self._gate = SubmitGate(settings.telegram.send_queue_limit, dedupe_memory)
        self._lock = self._gate.lock
        self._jobs: dict[int, _RemoteJob] = {}
        self._submitted: list[_RemoteJob] = []  # not yet seen by the loop
        self._next_id = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._out: FrameWriter | None = None
        self._connection = 0
        self._remote_breaker_open = False

    async def start(self) -> None:
        """Bind to the running loop; start the local sender that makes ``call``s."""
        self._loop = asyncio.get_running_loop()
        await self._local.start()
        with self._lock:
            self._gate.accepting = True

    @property
    def queue_depth(self) -> int:
        """Calls submitted and not yet answered by the webhook process."""
        return len(self._jobs)

    @property
    def breaker_open(self) -> bool:
        """True while either process's circuit breaker holds calls back."""
        return self._remote_breaker_open or self._local.breaker_open

    def submit(
        self,
        method: str,
        params: dict[str, Any],
        *,
        chat_id: int | None,
        dedupe_key: str | None = None,
        on_result: ResultCallback | None = None,
        correlation_id: str | None = None,
    ) -> bool:
        """Queue a call for the webhook process; as :meth:`Sender.submit`."""
        with self._lock:
            admitted = self._gate.admit(method, chat_id, dedupe_key, len(self._jobs))
            loop = self._loop
            assert loop is not None  # accepting calls: started
            if not admitted:
                if on_result is not None:
                    loop.call_soon_threadsafe(_report, on_result, None, None)
                return False
            self._next_id += 1
            job = _RemoteJob(self._next_id, method, params, chat_id, on_result, correlation_id)
            self._jobs[job.id] = job
            self._submitted.append(job)
            if len(self._submitted) == 1:
                try:
                    # One wake-up of the loop ships everything submitted until it runs.
                    loop.call_soon_threadsafe(self._ship_submitted)
                except RuntimeError:
                    del self._jobs[job.id]
                    self._submitted.clear()
                    raise SenderClosed("the event loop is closed") from None
            self._gate.remember(dedupe_key)
            QUEUE_DEPTH.set(len(self._jobs))
        return True

    async def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        chat_id: int | None = None,
        max_attempts: int | None = None,
    ) -> Any:
        """Make a call now, from this process; as :meth:`Sender.call`."""
        return await self._local.call(method, params, chat_id=chat_id, max_attempts=max_attempts)

    async def stop(self, drain_timeout: float = 5.0) -> int:
        """Stop taking calls, wait up to ``drain_timeout`` for the answers, then stop.

        Calls still unanswered get ``SenderClosed`` through their ``on_result``.

        Returns:
            How many calls were left unanswered.
        """
        with self._lock:
            self._gate.accepting = False
        deadline = time.monotonic() + drain_timeout
        while self._jobs and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        with self._lock:
            left = list(self._jobs.values())
            self._jobs.clear()
        QUEUE_DEPTH.set(0)
        for job in left:
            if job.on_result is not None:
                _report(job.on_result, None, SenderClosed("stopped before sending"))
        await self._local.stop(drain_timeout=0.1)
        self._loop = None
        log.info("sender_stopped", left_unsent=len(left), remote=True)
        return len(left)

    # ---- called by the webhook process supervisor, on the loop thread ----------------------
    def connected(self, out: FrameWriter) -> None:
        """A webhook process is ready for calls: ship every call in flight to it, in order."""
        self._out = out
        self._connection += 1
        with self._lock:
            waiting = [self._jobs[job_id] for job_id in sorted(self._jobs)]
        self._ship(waiting)

    def disconnected(self) -> None:
        """The webhook process is gone; calls in flight wait for the next one."""
        self._out = None
        self._remote_breaker_open = False
        if self._jobs:
            log.warning("sender.calls_to_ship_again", calls=len(self._jobs))

    def on_frame(self, kind: bytes, payload: bytes) -> bool:
        """Take a ``D`` or ``B`` frame; returns False for a frame of another kind."""
        if kind == DONE:
            for job_id, result, encoded in pickle.loads(payload):
                self._done(job_id, result, decode_error(encoded))
        elif kind == BREAKER:
            self._remote_breaker_open = payload == b"1"
        else:
            return False
        return True

    def _ship_submitted(self) -> None:
        with self._lock:
            jobs, self._submitted = self._submitted, []
        self._ship(jobs)

    def _ship(self, jobs: list[_RemoteJob]) -> None:
        out, connection = self._out, self._connection
        if out is None:
            return  # shipped by connected()
        batch = []
        for job in jobs:
            if job.shipped_to != connection and job.id in self._jobs:
                job.shipped_to = connection
                wanted = job.on_result is not None
                batch.append(
                    (job.id, job.method, job.params, job.chat_id, wanted, job.correlation_id)
                )
        if batch:
            out.send(SEND, pickle.dumps(batch, _PROTOCOL))

    def _done(self, job_id: int, result: Any, error: SenderError | None) -> None:
        if isinstance(error, SenderClosed) and self._gate.accepting:
            return  # the webhook process is stopping: the call goes to the next one
        job = self._jobs.pop(job_id, None)
        if job is None:
            return
        QUEUE_DEPTH.set(len(self._jobs))
        if job.on_result is not None:
            _report(job.on_result, result, error)


def _report(on_result: ResultCallback, result: Any, error: Exception | None) -> None:
    try:
        on_result(result, error)
    except Exception:
        log.exception("send_callback_failed")


class SenderHost:
    """The webhook process's side: makes the calls the bot's process ships, answers each.

    Args:
        sender: A started :class:`Sender`.
        out: Frames back to the bot's process.
    """

    def __init__(self, sender: Sender, out: FrameWriter) -> None:
        self._sender = sender
        self._out = out
        self._breaker_open = False
        self._answers: list[tuple[int, Any, EncodedError]] = []
        self._loop = asyncio.get_running_loop()

    def on_frame(self, kind: bytes, payload: bytes) -> bool:
        """Take an ``S`` frame; returns False for a frame of another kind."""
        if kind != SEND:
            return False
        for job_id, method, params, chat_id, wanted, correlation_id in pickle.loads(payload):
            self._submit(job_id, method, params, chat_id, wanted, correlation_id)
        return True

    def _submit(
        self,
        job_id: int,
        method: str,
        params: dict[str, Any],
        chat_id: int | None,
        wanted: bool,
        correlation_id: str | None,
    ) -> None:
        def on_result(result: Any, error: Exception | None) -> None:
            self._answer(job_id, result if wanted else None, error)

        try:
            self._sender.submit(
                method, params, chat_id=chat_id, on_result=on_result, correlation_id=correlation_id
            )
        except (SenderError, TypeError, ValueError) as exc:
            self._answer(job_id, None, exc if isinstance(exc, SenderError) else SenderError(exc))

    def watch_breaker(self) -> None:
        """Tell the bot's process when the circuit breaker opened or closed (call it often)."""
        now_open = self._sender.breaker_open
        if now_open != self._breaker_open:
            self._breaker_open = now_open
            self._out.send(BREAKER, b"1" if now_open else b"0")

    def _answer(self, job_id: int, result: Any, error: Exception | None) -> None:
        if not self._answers:
            self._loop.call_soon(self._send_answers)
        self._answers.append((job_id, result, encode_error(error)))

    def flush(self) -> None:
        """Send the answers of this loop turn now (before the connection closes)."""
        self._send_answers()

    def _send_answers(self) -> None:
        answers, self._answers = self._answers, []
        if answers:
            self._out.send(DONE, pickle.dumps(answers, _PROTOCOL))
