"""Webhook delivery as Telegram does it.

Updates are POSTed as JSON with ``X-Telegram-Bot-Api-Secret-Token``. Each chat is a lane: the
next update of a chat is sent only after the previous one was answered 2xx; up to
``max_connections`` lanes run at once. A non-2xx answer or a network error is retried with
exponential backoff (with jitter), and the update stays pending until the bot accepts it.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from yabot.emulator.errors import REJECTIONS
from yabot.emulator.models import now
from yabot.emulator.state import BotState, Emulator, Webhook
from yabot.observability.logging import get_logger

log = get_logger(__name__)


def lane_key(update: dict[str, Any]) -> int:
    """Return the chat (or user) whose updates must be delivered one at a time."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        if "chat" in payload:
            return int(payload["chat"]["id"])
        if isinstance(payload.get("message"), dict):
            return int(payload["message"]["chat"]["id"])
        if "from" in payload:
            return int(payload["from"]["id"])
    return 0


@dataclass
class _Lanes:
    webhook: Webhook
    queues: dict[int, deque[dict[str, Any]]] = field(default_factory=dict)
    running: set[int] = field(default_factory=set)
    waiting: deque[int] = field(default_factory=deque)
    waiting_keys: set[int] = field(default_factory=set)

    def add(self, update: dict[str, Any]) -> None:
        key = lane_key(update)
        self.queues.setdefault(key, deque()).append(update)
        if key not in self.running and key not in self.waiting_keys:
            self.waiting.append(key)
            self.waiting_keys.add(key)


class WebhookDelivery:
    """Delivers every bot's pending updates to its webhook while one is set.

    Args:
        emulator: The emulator whose updates are delivered.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.attempts: list[dict[str, Any]] = []
        self._lanes: dict[int, _Lanes] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: aiohttp.ClientSession | None = None
        emulator.on_update.append(self.on_update)

    def on_update(self, bot: BotState, update: dict[str, Any] | None) -> None:
        """Take a new update (or, with None, a webhook change) of ``bot`` into the lanes."""
        lanes = self._lanes.get(bot.id)
        if update is None or lanes is None or lanes.webhook is not bot.webhook:
            if bot.webhook is None:
                self._lanes.pop(bot.id, None)
                return
            lanes = _Lanes(bot.webhook)
            self._lanes[bot.id] = lanes
            for pending in bot.updates.values():
                lanes.add(pending)
        else:
            lanes.add(update)
        self._pump(bot, lanes)

    def _pump(self, bot: BotState, lanes: _Lanes) -> None:
        while lanes.waiting and len(lanes.running) < lanes.webhook.max_connections:
            key = lanes.waiting.popleft()
            lanes.waiting_keys.discard(key)
            if key in lanes.running or not lanes.queues.get(key):
                continue
            lanes.running.add(key)
            task = asyncio.get_running_loop().create_task(self._run_lane(bot, lanes, key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _current(self, bot: BotState, lanes: _Lanes) -> bool:
        return self._lanes.get(bot.id) is lanes and bot.webhook is lanes.webhook

    async def _run_lane(self, bot: BotState, lanes: _Lanes, key: int) -> None:
        queue = lanes.queues[key]
        try:
            while queue and self._current(bot, lanes):
                update = queue[0]
                if await self._deliver(bot, lanes, update):
                    queue.popleft()
                    bot.updates.pop(update["update_id"], None)
        finally:
            lanes.running.discard(key)
            if queue:
                lanes.waiting.append(key)
                lanes.waiting_keys.add(key)
            else:
                lanes.queues.pop(key, None)
            if self._current(bot, lanes):
                self._pump(bot, lanes)

    async def _deliver(self, bot: BotState, lanes: _Lanes, update: dict[str, Any]) -> bool:
        """POST one update until it is accepted; False if the webhook changed meanwhile."""
        config = self.emulator.config
        attempt = 0
        while self._current(bot, lanes):
            attempt += 1
            webhook = lanes.webhook
            headers = {"Content-Type": "application/json"}
            if webhook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
            status: int | None = None
            error = ""
            try:
                async with self._http().post(
                    webhook.url,
                    data=json.dumps(update),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=config.webhook_timeout_s),
                ) as response:
                    await response.read()
                    status = response.status
                    error = f"Wrong response from the webhook: {status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
            self.attempts.append(
                {
                    "bot_id": bot.id,
                    "update_id": update["update_id"],
                    "status": status,
                    "attempt": attempt,
                    "at": time.monotonic(),
                    "error": None if status else error,
                }
            )
            if status is not None and 200 <= status < 300:
                webhook.deliveries += 1
                return True
            webhook.failures += 1
            webhook.last_error_date = now()
            webhook.last_error_message = error
            REJECTIONS.labels("webhook", "delivery_failed").inc()
            log.warning(
                "emulator_webhook_retry",
                error=error,
                bot_id=bot.id,
                update_id=update["update_id"],
                status=status,
                attempt=attempt,
            )
            delay = min(
                config.webhook_retry_max_s, config.webhook_retry_base_s * 2 ** (attempt - 1)
            )
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
        return False

    def _http(self) -> aiohttp.ClientSession:
        # aiohttp (already there for aiogram): httpx's async pool managed ~100 requests/s here.
        if self._client is None:
            self._client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        return self._client

    async def close(self) -> None:
        """Stop every delivery and close the HTTP client."""
        self._lanes.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
