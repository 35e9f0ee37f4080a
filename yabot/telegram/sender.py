"""The sender: every Bot API call goes through one `Sender` on the asyncio loop.

Submitted calls wait in one FIFO lane per chat, so replies to a chat go out in the order they
were submitted; different chats proceed concurrently. Calls are paced at Telegram's limits
(a global rate, a per-chat token bucket, a slower rate for groups), 429 answers pause the chat
for ``retry_after``, 5xx answers and network errors are retried with exponential back-off and
jitter, other 4xx answers are given up and reported. A circuit breaker opens after persistent
failures: calls then wait (never dropped) until a half-open probe succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from prometheus_client import Counter, Gauge, Histogram

from yabot.observability.logging import get_logger
from yabot.resilience import Backoff, BreakerState, CircuitBreaker
from yabot.telegram.http import HttpClient, HttpError

if TYPE_CHECKING:
    from yabot.config import Settings

# HTTP client loggers may log request URLs, and Bot API URLs contain the token.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

log = get_logger(__name__)

DEFAULT_API_BASE = "https://api.telegram.org"
ResultCallback = Callable[[Any, Exception | None], None]

QUEUE_DEPTH = Gauge("yabot_telegram_send_queue_depth", "Calls submitted and not yet finished.")
SEND_LATENCY = Histogram(
    "yabot_telegram_send_latency_seconds",
    "From submit to Telegram's final answer, including pacing and retries.",
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
REQUEST_LATENCY = Histogram(
    "yabot_telegram_request_seconds", "One HTTP request to the Bot API, by method.", ["method"]
)
CALLS = Counter(
    "yabot_telegram_calls_total",
    "Bot API requests by method and outcome (ok, rate_limited, server_error, network_error, "
    "rejected).",
    ["method", "outcome"],
)
RETRIES = Counter("yabot_telegram_retries_total", "Retried requests, by reason.", ["reason"])
RATE_LIMITED = Counter("yabot_telegram_429_total", "429 Too Many Requests answers.")
REJECTED = Counter(
    "yabot_telegram_sender_rejected_total",
    "Submissions refused (overloaded, closed) or calls given up (api_error, attempts, unexpected).",
    ["reason"],
)
DUPLICATES = Counter(
    "yabot_telegram_sender_duplicates_total", "Submissions skipped: dedupe_key already sent."
)


class BotSender(Protocol):
    """What the runtime, broadcasts and ingress need of a sender (:class:`Sender`, or
    :class:`~yabot.telegram.remote_sender.RemoteSender` when the webhook process sends)."""

    @property
    def queue_depth(self) -> int:
        """Calls submitted and not yet finished."""

    @property
    def breaker_open(self) -> bool:
        """True while a circuit breaker holds calls back."""

    async def start(self) -> None:
        """Start; submit and call work afterwards."""

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
        """Queue a call (any thread); see :meth:`Sender.submit`."""

    async def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        chat_id: int | None = None,
        max_attempts: int | None = None,
    ) -> Any:
        """Make a call now; see :meth:`Sender.call`."""

    async def stop(self, drain_timeout: float = 5.0) -> int:
        """Stop; returns how many calls were left unsent."""


def api_root(api_base: str | None, token: str) -> str:
    """Return ``{api_base}/bot{token}``, the prefix of every Bot API method URL."""
    return f"{(api_base or DEFAULT_API_BASE).rstrip('/')}/bot{token}"


def scrub(text: str, token: str) -> str:
    """Remove the bot token from ``text`` (exception messages can carry URLs)."""
    return text.replace(token, "<token>") if token else text


class SenderError(Exception):
    """Base class of the sender's errors."""


class SenderOverloaded(SenderError):
    """The send queue is full (``telegram.send_queue_limit``); the call was not taken."""


class SenderClosed(SenderError):
    """The sender is not running (not started, or stopped before the call was sent)."""


class TelegramApiError(SenderError):
    """Telegram refused a call (a 4xx other than 429), or attempts ran out.

    Attributes:
        method: The Bot API method.
        error_code: Telegram's HTTP status or ``error_code`` (0 for a network error).
        description: Telegram's description, truncated.
    """

    def __init__(self, method: str, error_code: int, description: str) -> None:
        super().__init__(f"{method} failed: {error_code} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description


class _Pacer:
    """A token bucket (GCRA with reservations) plus a hard pause set by 429 answers."""

    __slots__ = ("interval", "not_before", "tat", "tolerance")

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.interval = 1.0 / rate_per_s
        self.tolerance = (burst - 1) * self.interval
        self.tat = 0.0
        self.not_before = 0.0

    def reserve(self, now: float) -> float:
        """Book the next send slot and return how long to wait for it (shared pacers)."""
        at = max(now, self.tat - self.tolerance, self.not_before)
        self.tat = max(self.tat, at) + self.interval
        return at - now

    def wait_time(self, now: float) -> float:
        """How long until a send is allowed, without booking it (one caller at a time)."""
        return max(0.0, self.tat - self.tolerance - now, self.not_before - now)

    def commit(self, now: float) -> None:
        """Count a send made at ``now``."""
        self.tat = max(self.tat, now) + self.interval

    def pause(self, until: float) -> None:
        """No send before ``until``, and no burst right after it."""
        self.not_before = max(self.not_before, until)
        self.tat = max(self.tat, self.not_before + self.tolerance)

    def rested(self, now: float) -> bool:
        return self.tat <= now and self.not_before <= now


class _Job:
    __slots__ = (
        "attempts",
        "body",
        "chat_id",
        "correlation_id",
        "max_attempts",
        "method",
        "on_result",
        "submitted_at",
    )

    def __init__(
        self,
        method: str,
        body: bytes,
        chat_id: int | None,
        on_result: ResultCallback | None,
        max_attempts: int | None,
        correlation_id: str | None = None,
    ) -> None:
        self.method = method
        self.body = body
        self.chat_id = chat_id
        self.on_result = on_result
        self.max_attempts = max_attempts
        self.correlation_id = correlation_id
        self.submitted_at = time.monotonic()
        self.attempts = 0


class _Lane:
    __slots__ = ("jobs", "task")

    def __init__(self) -> None:
        self.jobs: deque[_Job] = deque()
        self.task: asyncio.Task[None] | None = None


class _Answer:
    """One request's outcome: ``result`` on success, ``error`` when refused, else retryable.

    ``retry_after`` is Telegram's wait (429, some 5xx); None for a retryable answer means
    "back off exponentially".
    """

    __slots__ = ("error", "outcome", "result", "retry_after")

    def __init__(
        self,
        outcome: str,
        result: Any = None,
        retry_after: float | None = None,
        error: TelegramApiError | None = None,
    ) -> None:
        self.outcome = outcome
        self.result = result
        self.retry_after = retry_after
        self.error = error

    @property
    def final(self) -> bool:
        return self.outcome in ("ok", "rejected")


class SubmitGate:
    """What every submit checks under one lock: the sender runs, the call is not a duplicate,
    the queue has room (shared by :class:`Sender` and the remote sender).

    Args:
        limit: Calls that may wait at once (``telegram.send_queue_limit``).
        dedupe_memory: How many ``dedupe_key`` values are remembered.
    """

    def __init__(self, limit: int, dedupe_memory: int) -> None:
        self.lock = threading.Lock()
        self.accepting = False
        self._limit = limit
        self._dedupe_memory = dedupe_memory
        self._seen: OrderedDict[str, None] = OrderedDict()

    def admit(self, method: str, chat_id: int | None, dedupe_key: str | None, waiting: int) -> bool:
        """With ``lock`` held: True to queue the call, False for a duplicate (counted, logged).

        Raises:
            SenderClosed: Not accepting calls.
            SenderOverloaded: ``waiting`` has reached the limit.
        """
        if not self.accepting:
            REJECTED.labels("closed").inc()
            raise SenderClosed("the sender is not running")
        if dedupe_key is not None and dedupe_key in self._seen:
            DUPLICATES.inc()
            log.info("send_duplicate_skipped", method=method, chat_id=chat_id)
            return False
        if waiting >= self._limit:
            REJECTED.labels("overloaded").inc()
            log.warning("sender_overloaded", method=method, chat_id=chat_id, limit=self._limit)
            raise SenderOverloaded(f"send queue is full ({self._limit} calls waiting)")
        return True

    def remember(self, dedupe_key: str | None) -> None:
        """With ``lock`` held: remember the key of a call just queued."""
        if dedupe_key is not None:
            self._seen[dedupe_key] = None
            if len(self._seen) > self._dedupe_memory:
                self._seen.popitem(last=False)


class Sender:
    """Paced, ordered, retrying Bot API client. Create it, ``await start()``, then submit.

    Args:
        settings: YABOT's settings (``telegram`` section: token, api_base, rates, retries ...).
        max_in_flight: Concurrent HTTP requests at most (keep-alive connections of the
            sender's :class:`~yabot.telegram.http.HttpClient`; it costs ~1/3 of aiohttp's CPU
            per call and aiohttp ~1/10 of httpx's at 64 in flight, ``docs/benchmarks.md``).
        dedupe_memory: How many ``dedupe_key`` values are remembered.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        max_in_flight: int = 32,
        dedupe_memory: int = 100_000,
    ) -> None:
        telegram = settings.telegram
        if telegram.bot_token is None:
            raise ValueError("the sender needs telegram.bot_token (TELEGRAM_BOT_TOKEN)")
        self._token = telegram.bot_token.get_secret_value()
        self._root = api_root(telegram.api_base, self._token)
        root = urlsplit(self._root)
        self._origin = f"{root.scheme}://{root.netloc}"
        self._path_root = root.path
        self._settings = telegram
        self._http: HttpClient | None = None
        self._max_in_flight = max_in_flight
        self._gate = SubmitGate(telegram.send_queue_limit, dedupe_memory)
        self._lock = self._gate.lock
        self._pending = 0
        self._running = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0  # the loop's thread: its submits need no wake-up of the loop
        self._lanes: dict[int | None, _Lane] = {}
        self._alone: set[asyncio.Task[None]] = set()
        self._unsent_alone = 0
        self._pacers: dict[int, _Pacer] = {}
        self._global = _Pacer(telegram.global_rate_per_s, 1)
        self._breaker: CircuitBreaker | None = None
        self._breaker_changed: asyncio.Event | None = None
        self._retry = Backoff(self._settings.retry_base_s, self._settings.retry_max_s)
        self._latency_children: dict[str, Any] = {}  # label lookups cost per call
        self._ok_children: dict[str, Any] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Bind to the running loop and open the HTTP client."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        if self._http is None:
            self._http = HttpClient(
                self._origin,
                max_connections=self._max_in_flight,
                connect_timeout_s=self._settings.request_timeout_s,
            )
        self._breaker_changed = asyncio.Event()
        self._breaker = CircuitBreaker(
            "telegram",
            failure_threshold=self._settings.breaker_failures,
            reset_s=self._settings.breaker_reset_s,
            on_change=self._breaker_moved,
        )
        self._sweeper = asyncio.create_task(self._sweep_pacers(), name="sender-sweeper")
        self._running = True
        with self._lock:
            self._gate.accepting = True
        log.info("sender_started", api_base=self._settings.api_base or DEFAULT_API_BASE)

    async def __aenter__(self) -> Sender:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def queue_depth(self) -> int:
        """Calls submitted and not yet finished."""
        return self._pending

    @property
    def breaker_open(self) -> bool:
        """True while the circuit breaker holds calls back."""
        return self._breaker is not None and self._breaker.state is not BreakerState.CLOSED

    def _breaker_moved(self, state: BreakerState) -> None:
        # Called on the loop's thread (every record_* is): wake the calls waiting to go out.
        changed, self._breaker_changed = self._breaker_changed, asyncio.Event()
        if changed is not None:
            changed.set()

    async def _admit(self) -> bool:
        """Wait until the breaker lets a call go out; True when it is the half-open probe."""
        breaker = self._breaker
        assert breaker is not None
        while True:
            wait = breaker.seconds_until_probe()
            if wait <= 0 and breaker.allow():
                return breaker.state is BreakerState.HALF_OPEN
            changed = self._breaker_changed
            assert changed is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wait if wait > 0 else None)

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
        """Queue a call; thread-safe and non-blocking (callable from any thread).

        Calls with the same ``chat_id`` are sent in submission order.

        Args:
            method: Bot API method, e.g. ``"sendMessage"``.
            params: Its parameters (JSON-serialisable).
            chat_id: The chat the call is paced and ordered by; None for chat-less calls.
            dedupe_key: When given, a second submit with the same key (within the remembered
                window) is skipped.
            on_result: Called once, on the event loop thread, with ``(result, None)`` on
                success, ``(None, error)`` when the call was given up, or ``(None, None)`` when
                it was skipped as a duplicate; it must not block.
            correlation_id: Carried into the log lines about this call (the update's
                correlation id, for a reply).

        Returns:
            True when queued, False when skipped as a duplicate.

        Raises:
            SenderOverloaded: ``send_queue_limit`` calls are already waiting.
            SenderClosed: The sender is not running.
            TypeError: ``params`` is not JSON-serialisable.
        """
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        job = _Job(method, body, chat_id, on_result, None, correlation_id)
        with self._lock:
            admitted = self._gate.admit(method, chat_id, dedupe_key, self._pending)
            loop = self._loop
            assert loop is not None  # accepting calls: started
            if not admitted:
                if on_result is not None:
                    loop.call_soon_threadsafe(self._report, job, None, None)
                return False
            try:
                # Inside the lock, so calls reach the loop in the order they were counted
                # (one queue of callbacks either way). The loop's own thread (the webhook
                # process's SenderHost) needs no wake-up of the loop: it is running.
                if threading.get_ident() == self._loop_thread:
                    loop.call_soon(self._enqueue, job)
                else:
                    loop.call_soon_threadsafe(self._enqueue, job)
            except RuntimeError:
                raise SenderClosed("the event loop is closed") from None
            self._gate.remember(dedupe_key)
            self._pending += 1
            QUEUE_DEPTH.set(self._pending)
        return True

    async def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        chat_id: int | None = None,
        max_attempts: int | None = None,
    ) -> Any:
        """Make a call now, outside the chats' queues (getMe, setWebhook, answer* methods).

        It is not paced, but it retries on 429 (after ``retry_after``), 5xx and network errors,
        and waits while the circuit breaker is open.

        Args:
            method: Bot API method.
            params: Its parameters (JSON-serialisable).
            chat_id: The chat concerned, if any: a 429 answer then also pauses that chat's queue.
            max_attempts: Give up after this many attempts; None retries until success or a
                4xx answer (wrap in ``asyncio.wait_for`` for a deadline).

        Returns:
            Telegram's ``result``.

        Raises:
            TelegramApiError: Telegram refused the call, or the attempts ran out.
            SenderClosed: The sender was not started, or was stopped meanwhile.
        """
        if self._loop is None:
            raise SenderClosed("the sender is not running")
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        job = _Job(method, body, chat_id, None, max_attempts)
        result, error = await self._deliver(job, paced=False)
        if error is not None:
            raise error
        return result

    async def stop(self, drain_timeout: float = 5.0) -> int:
        """Stop taking calls, send what can be sent within ``drain_timeout``, then stop.

        Calls still queued get ``SenderClosed`` through their ``on_result``.

        Args:
            drain_timeout: Seconds to wait for queued calls to be sent.

        Returns:
            How many calls were left unsent.
        """
        with self._lock:
            self._gate.accepting = False
        deadline = time.monotonic() + drain_timeout
        while self._pending and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        self._running = False
        left = 0
        for lane in list(self._lanes.values()):
            if lane.task is not None:
                lane.task.cancel()
        for lane in list(self._lanes.values()):
            if lane.task is not None:
                await asyncio.gather(lane.task, return_exceptions=True)
            while lane.jobs:
                left += 1
                self._finish(lane.jobs.popleft(), None, SenderClosed("stopped before sending"))
        self._lanes.clear()
        for task in list(self._alone):
            task.cancel()
        await asyncio.gather(*self._alone, return_exceptions=True)
        left += self._unsent_alone
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None
        self._loop = None
        log.info("sender_stopped", left_unsent=left)
        return left

    def _enqueue(self, job: _Job) -> None:
        if self._loop is None:
            self._finish(job, None, SenderClosed("stopped before sending"))
            return
        if job.chat_id is None:
            # Chat-less calls (answerCallbackQuery ...) need no order and are not messages:
            # each goes out on its own, so none waits behind another (Telegram drops
            # callback answers older than 15 s).
            # Like a chat's queue, a context of its own: the job's lines name its correlation id.
            task = asyncio.create_task(self._run_alone(job), context=contextvars.Context())
            self._alone.add(task)
            task.add_done_callback(self._alone.discard)
            return
        lane = self._lanes.get(job.chat_id)
        if lane is None:
            lane = self._lanes[job.chat_id] = _Lane()
        lane.jobs.append(job)
        if lane.task is None:
            # Not the context of the thread that submitted first: it would put that update's
            # ids on the lines about every later reply of the chat.
            lane.task = asyncio.create_task(
                self._run_lane(job.chat_id, lane), context=contextvars.Context()
            )

    async def _run_lane(self, chat_id: int | None, lane: _Lane) -> None:
        while lane.jobs:
            job = lane.jobs[0]
            try:
                result, error = await self._deliver(job, paced=True)
            except Exception as exc:  # a bug must not wedge the chat's queue
                log.exception(
                    "send_failed_unexpectedly",
                    method=job.method,
                    chat_id=chat_id,
                    correlation_id=job.correlation_id,
                )
                REJECTED.labels("unexpected").inc()
                result, error = None, SenderError(f"unexpected {type(exc).__name__}")
            lane.jobs.popleft()
            self._finish(job, result, error)
        del self._lanes[chat_id]

    async def _run_alone(self, job: _Job) -> None:
        try:
            result, error = await self._deliver(job, paced=False)
        except asyncio.CancelledError:
            self._unsent_alone += 1
            self._finish(job, None, SenderClosed("stopped before sending"))
            return
        except Exception as exc:
            log.exception("send_failed_unexpectedly", method=job.method, chat_id=None)
            REJECTED.labels("unexpected").inc()
            result, error = None, SenderError(f"unexpected {type(exc).__name__}")
        self._finish(job, result, error)

    def _finish(self, job: _Job, result: Any, error: Exception | None) -> None:
        with self._lock:
            self._pending -= 1
            QUEUE_DEPTH.set(self._pending)
        SEND_LATENCY.observe(time.monotonic() - job.submitted_at)
        self._report(job, result, error)

    @staticmethod
    def _report(job: _Job, result: Any, error: Exception | None) -> None:
        if job.on_result is None:
            return
        try:
            job.on_result(result, error)
        except Exception:
            log.exception("send_callback_failed", method=job.method, chat_id=job.chat_id)

    def _pacer(self, chat_id: int) -> _Pacer:
        pacer = self._pacers.get(chat_id)
        if pacer is None:
            if chat_id < 0:
                pacer = _Pacer(self._settings.group_rate_per_min / 60.0, 1)
            else:
                pacer = _Pacer(self._settings.chat_rate_per_s, self._settings.chat_burst)
            self._pacers[chat_id] = pacer
        return pacer

    async def _pace(self, chat_id: int | None) -> None:
        # A chat's lane sends one call at a time, so its pacer is checked first and charged
        # at the real send time (after the global wait), never ahead of it.
        pacer = self._pacer(chat_id) if chat_id is not None else None
        while True:
            if pacer is not None:
                while (delay := pacer.wait_time(time.monotonic())) > 0:
                    await asyncio.sleep(delay)
            delay = self._global.reserve(time.monotonic())
            if delay > 0:
                await asyncio.sleep(delay)
            if pacer is None:
                return
            now = time.monotonic()
            if pacer.wait_time(now) <= 0:  # a 429 may have paused the chat meanwhile
                pacer.commit(now)
                return

    async def _deliver(self, job: _Job, *, paced: bool) -> tuple[Any, SenderError | None]:
        breaker = self._breaker
        assert breaker is not None
        while True:
            probe = await self._admit()
            try:
                if paced:
                    await self._pace(job.chat_id)
                if not self._running:
                    if probe:
                        breaker.abandon_probe()
                    return None, SenderClosed("stopped before sending")
                job.attempts += 1
                answer = await self._request(job)
            except asyncio.CancelledError:
                if probe:
                    breaker.abandon_probe()
                raise
            if answer.outcome in ("server_error", "network_error"):
                breaker.record_failure(answer.outcome)
            else:
                breaker.record_success()
            if answer.final:
                if answer.error is not None:
                    REJECTED.labels("api_error").inc()
                    log.warning(
                        "send_rejected",
                        method=job.method,
                        chat_id=job.chat_id,
                        correlation_id=job.correlation_id,
                        error_code=answer.error.error_code,
                        description=answer.error.description,
                    )
                return answer.result, answer.error
            if job.max_attempts is not None and job.attempts >= job.max_attempts:
                REJECTED.labels("attempts").inc()
                log.warning(
                    "send_attempts_exhausted",
                    method=job.method,
                    chat_id=job.chat_id,
                    correlation_id=job.correlation_id,
                    attempts=job.attempts,
                    last_outcome=answer.outcome,
                )
                return None, TelegramApiError(job.method, 0, f"gave up: {answer.outcome}")
            RETRIES.labels(answer.outcome).inc()
            wait = answer.retry_after
            if wait is None:
                wait = self._retry.delay(job.attempts)
            if answer.outcome == "rate_limited":
                until = time.monotonic() + wait
                if job.chat_id is not None:
                    self._pacer(job.chat_id).pause(until)
                elif paced:
                    self._global.pause(until)
            if not paced or answer.outcome != "rate_limited":
                await asyncio.sleep(wait)

    async def _request(self, job: _Job) -> _Answer:
        assert self._http is not None
        method = job.method
        started = time.perf_counter()
        try:
            status, raw = await self._http.post(
                f"{self._path_root}/{method}", job.body, timeout_s=self._settings.request_timeout_s
            )
        except HttpError as exc:
            CALLS.labels(method, "network_error").inc()
            log.warning(
                "send_network_error",
                method=method,
                correlation_id=job.correlation_id,
                error=type(exc.__cause__ or exc).__name__,
                detail=scrub(str(exc), self._token)[:200],
            )
            return _Answer("network_error")
        finally:
            self._latency_of(method).observe(time.perf_counter() - started)
        return self._interpret(job, status, raw)

    def _latency_of(self, method: str) -> Any:
        child = self._latency_children.get(method)
        if child is None:
            child = self._latency_children[method] = REQUEST_LATENCY.labels(method)
        return child

    def _ok_of(self, method: str) -> Any:
        child = self._ok_children.get(method)
        if child is None:
            child = self._ok_children[method] = CALLS.labels(method, "ok")
        return child

    def _interpret(self, job: _Job, status: int, raw: bytes) -> _Answer:
        method = job.method
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            CALLS.labels(method, "server_error").inc()
            log.warning(
                "send_bad_answer", method=method, status=status, correlation_id=job.correlation_id
            )
            return _Answer("server_error")
        if status == 200 and payload.get("ok") is True:
            self._ok_of(method).inc()
            return _Answer("ok", result=payload.get("result"))
        parameters = payload.get("parameters")
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        if not isinstance(retry_after, int | float) or isinstance(retry_after, bool):
            retry_after = None
        code = payload.get("error_code", status)
        description = str(payload.get("description", ""))[:200]
        if status == 429:
            CALLS.labels(method, "rate_limited").inc()
            RATE_LIMITED.inc()
            wait = float(retry_after) if retry_after is not None else self._settings.retry_base_s
            log.warning(
                "send_rate_limited",
                method=method,
                retry_after_s=wait,
                correlation_id=job.correlation_id,
            )
            return _Answer("rate_limited", retry_after=wait)
        if status >= 500:
            CALLS.labels(method, "server_error").inc()
            log.warning(
                "send_server_error",
                method=method,
                status=status,
                description=description,
                correlation_id=job.correlation_id,
            )
            return _Answer("server_error", retry_after=retry_after)
        CALLS.labels(method, "rejected").inc()
        return _Answer("rejected", error=TelegramApiError(method, int(code), description))

    async def _sweep_pacers(self, every_s: float = 30.0) -> None:
        while True:
            await asyncio.sleep(every_s)
            now = time.monotonic()
            idle = [
                chat_id
                for chat_id, pacer in self._pacers.items()
                if pacer.rested(now) and chat_id not in self._lanes
            ]
            for chat_id in idle:
                del self._pacers[chat_id]
