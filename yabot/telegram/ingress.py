"""Ingress: the webhook endpoint and the polling loop hand validated updates to an `UpdateSink`.

Ingress never processes updates. It validates them, hands them to the sink (the router, which
appends them to the durable inbox) and only then acknowledges them to Telegram: the webhook
answers 200, the polling loop moves its offset past them.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from prometheus_client import Counter

from yabot.observability.logging import get_logger, update_fields
from yabot.telegram.sender import api_root, scrub
from yabot.telegram.sink import (
    INGRESS_REJECTED,
    Overloaded,
    UpdateSink,
    count_accepted,
)
from yabot.telegram.types import InvalidUpdate, parse_update, split_json

if TYPE_CHECKING:
    from yabot.config import Settings
    from yabot.telegram.sender import BotSender

log = get_logger(__name__)
T = TypeVar("T")

POLLING_ERRORS = Counter(
    "yabot_telegram_polling_errors_total", "getUpdates calls that failed, by reason.", ["reason"]
)


class _Stopped(Exception):
    pass


class PollingIngress:
    """Long-polls getUpdates and hands each update to the sink, in ``update_id`` order.

    The offset moves past an update only after ``sink.accept`` returned, so an update Telegram
    forgets is always in the inbox. Invalid updates are counted, logged and skipped.

    Args:
        settings: YABOT's settings (token, api_base, polling_timeout_s, allowed_updates ...).
        sink: Receives every valid update.
        http: The client used for getUpdates and deleteWebhook (not closed by this class).
        limit: Updates per getUpdates call (1-100).
        backoff_base_s: First delay after an error; doubles per consecutive error.
        backoff_max_s: Cap on that delay.
    """

    def __init__(
        self,
        settings: Settings,
        sink: UpdateSink,
        http: httpx.AsyncClient,
        *,
        limit: int = 100,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
    ) -> None:
        telegram = settings.telegram
        if telegram.bot_token is None:
            raise ValueError("polling needs telegram.bot_token (TELEGRAM_BOT_TOKEN)")
        self._token = telegram.bot_token.get_secret_value()
        self._root = api_root(telegram.api_base, self._token)
        self._timeout_s = telegram.polling_timeout_s
        self._request_timeout_s = telegram.request_timeout_s
        self._allowed_updates = list(telegram.allowed_updates)
        self._sink = sink
        self._http = http
        self._limit = limit
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._failures = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.offset = 0

    def start(self) -> asyncio.Task[None]:
        """Start polling in a task on the running loop and return it."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="telegram-polling")
        return self._task

    async def stop(self) -> None:
        """Stop polling: an in-flight getUpdates or back-off is abandoned, an accept finishes."""
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def run(self) -> None:
        """Poll until `stop()`; errors are logged and retried with back-off, never raised."""
        try:
            await self._delete_webhook_until_done()
            while not self._stop.is_set():
                await self._poll_once()
        except _Stopped:
            pass
        log.info("polling_stopped", offset=self.offset)

    async def _until_stopped(self, awaitable: Awaitable[T]) -> T:
        work = asyncio.ensure_future(awaitable)
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if not work.done():
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            raise _Stopped
        return work.result()

    async def _sleep(self, seconds: float) -> None:
        await self._until_stopped(asyncio.sleep(seconds))

    async def _back_off(self, reason: str, retry_after_s: float | None = None) -> None:
        POLLING_ERRORS.labels(reason).inc()
        self._failures += 1
        if retry_after_s is None:
            ceiling = min(self._backoff_max_s, self._backoff_base_s * 2 ** (self._failures - 1))
            retry_after_s = random.uniform(ceiling / 2, ceiling)
        log.warning(
            "polling_backoff",
            reason=reason,
            delay_s=round(retry_after_s, 3),
            failures=self._failures,
        )
        await self._sleep(retry_after_s)

    async def _call(self, method: str, params: dict[str, Any], timeout_s: float) -> httpx.Response:
        return await self._until_stopped(
            self._http.post(f"{self._root}/{method}", json=params, timeout=timeout_s)
        )

    async def _delete_webhook_until_done(self) -> None:
        while True:
            try:
                response = await self._call(
                    "deleteWebhook", {"drop_pending_updates": False}, self._request_timeout_s
                )
                if response.status_code == 200:
                    self._failures = 0
                    return
                await self._back_off(f"deleteWebhook_http_{response.status_code}")
            except httpx.HTTPError as exc:
                log.warning("delete_webhook_failed", error=scrub(str(exc), self._token))
                await self._back_off(type(exc).__name__)

    async def _poll_once(self) -> None:
        params = {
            "offset": self.offset,
            "limit": self._limit,
            "timeout": self._timeout_s,
            "allowed_updates": self._allowed_updates,
        }
        try:
            response = await self._call(
                "getUpdates", params, self._timeout_s + self._request_timeout_s
            )
        except httpx.HTTPError as exc:
            log.warning("get_updates_failed", error=scrub(str(exc), self._token))
            await self._back_off(type(exc).__name__)
            return
        items = await self._items(response)
        if items is None:
            return
        self._failures = 0
        await self._hand_over(items)

    async def _items(self, response: httpx.Response) -> list[Any] | None:
        try:
            payload = response.json()
        except RecursionError:
            # An update nested past the JSON parser's depth: split the answer without
            # parsing it, so that the bad update is skipped on its own (parse_update says why).
            payload = _split_answer(response.content)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            await self._back_off(f"http_{response.status_code}_not_json")
            return None
        if response.status_code == 200 and payload.get("ok") is True:
            result = payload.get("result")
            if isinstance(result, list):
                return result
            await self._back_off("result_not_a_list")
            return None
        parameters = payload.get("parameters") or {}
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        if response.status_code == 409:
            log.warning("get_updates_conflict", description=str(payload.get("description"))[:200])
            await self._back_off("conflict")
            await self._delete_webhook_until_done()
            return None
        delay = float(retry_after) if isinstance(retry_after, int | float) else None
        await self._back_off(f"http_{response.status_code}", delay)
        return None

    async def _hand_over(self, items: list[Any]) -> None:
        stuck_on_invalid = False
        for item in items:
            raw = (
                item.raw
                if isinstance(item, _RawItem)
                else json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
            )
            try:
                update = parse_update(raw)
            except InvalidUpdate as exc:
                INGRESS_REJECTED.labels("polling", "invalid_update").inc()
                log.warning(
                    "polled_update_invalid", reason=exc.reason, **update_fields(exc.update_id)
                )
                if exc.update_id is not None:
                    self.offset = max(self.offset, exc.update_id + 1)
                else:
                    stuck_on_invalid = True
                continue
            if update.update_id < self.offset:
                continue
            try:
                is_new = await self._sink.accept(update)
            except Overloaded as exc:
                INGRESS_REJECTED.labels("polling", "overloaded").inc()
                log.warning(
                    "polling_overloaded", reason=exc.reason, **update_fields(update.update_id)
                )
                await self._back_off("overloaded", exc.retry_after_s)
                return
            except Exception as exc:
                INGRESS_REJECTED.labels("polling", "sink_error").inc()
                log.error(
                    "polling_sink_failed",
                    error=type(exc).__name__,
                    **update_fields(update.update_id),
                )
                await self._back_off("sink_error")
                return
            count_accepted("polling", update, is_new)
            self.offset = update.update_id + 1
            stuck_on_invalid = False
        if stuck_on_invalid:
            await self._back_off("invalid_update_without_id")


@dataclass(frozen=True)
class _RawItem:
    """An update of a getUpdates answer that was split, not parsed (see `_split_answer`)."""

    raw: bytes


def _split_answer(body: bytes) -> dict[str, Any] | None:
    """A getUpdates answer whose updates are kept as raw bytes, or None if it is malformed."""
    members = split_json(body)
    if members is None:
        return None
    answer: dict[str, Any] = {}
    for key, value in members:
        if key == "result":
            items = split_json(value)
            if items is None or value[:1] != b"[":
                return None
            answer["result"] = [_RawItem(raw) for _, raw in items]
        elif key == "ok":
            answer["ok"] = value == b"true"
    return answer


async def set_webhook(sender: BotSender, settings: Settings) -> Any:
    """Register ``telegram.webhook_url`` with the secret and ``allowed_updates`` (webhook mode).

    Args:
        sender: The sender to call setWebhook through.
        settings: YABOT's settings.

    Returns:
        Telegram's result.

    Raises:
        ValueError: ``telegram.webhook_url`` is not set.
        TelegramApiError: Telegram refused the webhook.
    """
    telegram = settings.telegram
    if not telegram.webhook_url:
        raise ValueError("webhook mode needs telegram.webhook_url (YABOT_TELEGRAM__WEBHOOK_URL)")
    params: dict[str, Any] = {
        "url": telegram.webhook_url,
        "allowed_updates": list(telegram.allowed_updates),
        "drop_pending_updates": False,
    }
    if telegram.webhook_secret is not None:
        params["secret_token"] = telegram.webhook_secret.get_secret_value()
    result = await sender.call("setWebhook", params, max_attempts=5)
    log.info("webhook_set", url=telegram.webhook_url)
    return result
