"""Fault injection, Telegram-like flood control, and the log of every Bot API call.

A 429 blocks its *scope* (the chat the call addressed, or the whole bot for calls without a
chat) for ``retry_after`` seconds. A call into a blocked scope is answered 429 again and recorded
as a violation of that earlier 429, so tests can prove a client honours ``retry_after``.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from yabot.emulator.errors import BotApiError, too_many_requests

FLOOD_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendInvoice", "sendDocument", "copyMessage", "forwardMessage"}
)


class FaultConfig(BaseModel):
    """Runtime fault settings, changed through ``PUT /_emulator/faults``."""

    model_config = ConfigDict(extra="forbid")

    error_429_next: int = Field(
        default=0, ge=0, description="answer the next N matching calls with 429"
    )
    error_429_fraction: float = Field(
        default=0.0, ge=0, le=1, description="share of calls answered 429"
    )
    retry_after: int = Field(default=1, ge=1, le=3600, description="retry_after of injected 429s")
    error_5xx_next: int = Field(
        default=0, ge=0, description="answer the next N matching calls with 5xx"
    )
    error_5xx_fraction: float = Field(default=0.0, ge=0, le=1)
    status_5xx: int = Field(default=502, ge=500, le=599)
    latency_ms: float = Field(
        default=0.0, ge=0, le=60_000, description="added to every Bot API call"
    )
    methods: list[str] | None = Field(
        default=None, description="only these methods get faults; None = all"
    )
    flood_control: bool = True
    chat_rate_per_s: float = Field(default=1.0, gt=0)
    chat_burst: int = Field(default=5, ge=1)
    group_rate_per_min: float = Field(default=20.0, gt=0, description="groups and channels")
    group_burst: int = Field(default=5, ge=1)
    global_rate_per_s: float = Field(default=30.0, gt=0)
    global_burst: int = Field(default=30, ge=1)
    seed: int | None = None


@dataclass
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float

    def take(self, at: float) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (at - self.stamp) * self.rate)
        self.stamp = at
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class CallRecord:
    """One Bot API call as the emulator answered it."""

    seq: int
    at: float
    bot_id: int
    method: str
    chat_id: int | None
    status: int
    retry_after: int | None = None
    violates: int | None = None
    reason: str | None = None

    def view(self) -> dict[str, Any]:
        """Return the record as JSON-ready data."""
        return dict(self.__dict__)


@dataclass
class Faults:
    """Decides, per call, whether to inject a fault or to flood-limit, and logs the outcome."""

    config: FaultConfig = field(default_factory=FaultConfig)
    calls: list[CallRecord] = field(default_factory=list)
    _blocked: dict[tuple[int, int | None], tuple[float, int]] = field(default_factory=dict)
    _chat_buckets: dict[tuple[int, int], _Bucket] = field(default_factory=dict)
    _global_buckets: dict[int, _Bucket] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random)
    _seq: int = 0

    def configure(self, config: FaultConfig) -> None:
        """Replace the fault settings (flood buckets restart full)."""
        self.config = config
        self._chat_buckets.clear()
        self._global_buckets.clear()
        if config.seed is not None:
            self._rng.seed(config.seed)

    def _matches(self, method: str) -> bool:
        return self.config.methods is None or method in self.config.methods

    def _bucket(
        self, store: dict[Any, _Bucket], key: Any, rate: float, burst: int, at: float
    ) -> _Bucket:
        bucket = store.get(key)
        if bucket is None or bucket.rate != rate or bucket.capacity != burst:
            bucket = _Bucket(rate, float(burst), float(burst), at)
            store[key] = bucket
        return bucket

    def _flood_wait(self, bot_id: int, method: str, chat_id: int | None, at: float) -> float:
        cfg = self.config
        if not cfg.flood_control or method not in FLOOD_METHODS:
            return 0.0
        wait = 0.0
        if chat_id is not None:
            group = chat_id < 0
            rate = cfg.group_rate_per_min / 60 if group else cfg.chat_rate_per_s
            burst = cfg.group_burst if group else cfg.chat_burst
            chat = self._bucket(self._chat_buckets, (bot_id, chat_id), rate, burst, at)
            wait = chat.take(at)
            if wait:
                return wait
        overall = self._bucket(
            self._global_buckets, bot_id, cfg.global_rate_per_s, cfg.global_burst, at
        )
        wait = overall.take(at)
        if wait and chat_id is not None:
            self._chat_buckets[(bot_id, chat_id)].tokens += 1
        return wait

    def admit(
        self, bot_id: int, method: str, chat_id: int | None
    ) -> tuple[CallRecord, BotApiError | None]:
        """Decide the fate of one call before it runs.

        Returns:
            The call's record (status 200 until :meth:`finish` says otherwise) and the error to
            answer instead of running the method, if any.
        """
        at = time.monotonic()
        self._seq += 1
        record = CallRecord(self._seq, at, bot_id, method, chat_id, 200)
        self.calls.append(record)
        scope = (bot_id, chat_id)
        blocked = self._blocked.get(scope)
        if blocked is not None and at < blocked[0]:
            record.violates = blocked[1]
            return record, self._reject(
                record,
                too_many_requests(
                    max(1, math.ceil(blocked[0] - at)), reason="retry_after_violated"
                ),
            )
        cfg = self.config
        if self._matches(method):
            if cfg.error_429_next > 0 or (
                cfg.error_429_fraction and self._rng.random() < cfg.error_429_fraction
            ):
                if cfg.error_429_next > 0:
                    cfg.error_429_next -= 1
                return record, self._reject(
                    record, too_many_requests(cfg.retry_after, reason="injected_429")
                )
            if cfg.error_5xx_next > 0 or (
                cfg.error_5xx_fraction and self._rng.random() < cfg.error_5xx_fraction
            ):
                if cfg.error_5xx_next > 0:
                    cfg.error_5xx_next -= 1
                error = BotApiError(cfg.status_5xx, "Internal Server Error", reason="injected_5xx")
                return record, self._reject(record, error)
        wait = self._flood_wait(bot_id, method, chat_id, at)
        if wait:
            return record, self._reject(record, too_many_requests(max(1, math.ceil(wait))))
        return record, None

    def _reject(self, record: CallRecord, error: BotApiError) -> BotApiError:
        record.status = error.code
        record.reason = error.reason
        if error.code == 429 and error.retry_after is not None:
            scope = (record.bot_id, record.chat_id)
            until = record.at + error.retry_after
            current = self._blocked.get(scope)
            if current is None or current[0] < until:
                self._blocked[scope] = (until, record.seq)
            record.retry_after = error.retry_after
        return error

    def finish(self, record: CallRecord, error: BotApiError | None) -> None:
        """Record how a call that was admitted ended."""
        if error is not None:
            record.status = error.code
            record.reason = error.reason

    def stats(self) -> dict[str, Any]:
        """Return counts of calls by status and the number of retry_after violations."""
        by_status: dict[str, int] = {}
        by_method: dict[str, int] = {}
        for record in self.calls:
            by_status[str(record.status)] = by_status.get(str(record.status), 0) + 1
            by_method[record.method] = by_method.get(record.method, 0) + 1
        return {
            "calls": len(self.calls),
            "by_status": by_status,
            "by_method": by_method,
            "retry_after_violations": sum(1 for r in self.calls if r.violates is not None),
        }
