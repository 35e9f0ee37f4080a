"""Drive a webhook bot like Telegram does and time each update until the bot's reply.

Updates are POSTed to the bot's webhook with the secret header, one in flight per chat (the
next update of a chat waits for the 200, as Telegram does). The emulator records the time at
which it accepted each ``sendMessage`` (``/_bench/replies``); each update of a chat asks for
exactly one reply and replies of a chat come in order, so the k-th reply of a chat answers
its k-th update. Both clocks are CLOCK_MONOTONIC, shared by every process on the machine.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from loadtests.stack import SECRET
from yabot.telegram.http import HttpClient, HttpError

SINGLE_REPLY_COMMANDS = ("/profile", "/wallet", "/help", "/daily")


def make_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A private-chat text message update as Telegram sends it."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": f"P{user_id}"},
        "from": {
            "id": user_id,
            "is_bot": False,
            "first_name": f"P{user_id}",
            "language_code": "en",
        },
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def make_press(update_id: int, user_id: int, message_id: int, data: str) -> dict[str, Any]:
    """A press on an inline button of the bot's message ``message_id`` (a callback query)."""
    user = {"id": user_id, "is_bot": False, "first_name": f"P{user_id}", "language_code": "en"}
    message = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": f"P{user_id}"},
        "from": {"id": 1, "is_bot": True, "first_name": "YABOT"},
        "text": ".",
    }
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"q{update_id}",
            "from": user,
            "message": message,
            "chat_instance": f"ci{user_id}",
            "data": data,
        },
    }


@dataclass
class Timings:
    """Post times per chat (to be matched with the emulator's reply times)."""

    posted: dict[int, list[float]] = field(default_factory=dict)
    failures: int = 0
    first: float = 0.0
    last_post: float = 0.0

    def add(self, chat: int, at: float) -> None:
        self.posted.setdefault(chat, []).append(at)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.posted.values())


@dataclass
class Result:
    """Throughput and update-to-reply latency of one driven phase."""

    updates: int
    replied: int
    failures: int
    seconds: float
    latencies_ms: list[float]
    missing_chats: list[int] = field(default_factory=list)
    sent_s: list[float] = field(default_factory=list)  # when each latency's update was due
    first: float = 0.0  # time.monotonic() when the run's schedule began (sent_s counts from it)

    def worst_seconds(self, count: int = 5) -> list[tuple[int, float, int]]:
        """The ``count`` seconds of the run (since its start) with the highest max latency:
        (second, max ms, replies slower than 100 ms)."""
        worst: dict[int, float] = {}
        slow: dict[int, int] = {}
        for sent, latency in zip(self.sent_s, self.latencies_ms, strict=False):
            second = int(sent)
            worst[second] = max(worst.get(second, 0.0), latency)
            slow[second] = slow.get(second, 0) + (latency > 100.0)
        ranked = sorted(worst.items(), key=lambda item: -item[1])[:count]
        return [(second, round(latency, 1), slow[second]) for second, latency in ranked]

    @property
    def throughput(self) -> float:
        return self.replied / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "updates": self.updates,
            "replied": self.replied,
            "failures": self.failures,
            "seconds": round(self.seconds, 2),
            "updates_per_s": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(max(self.latencies_ms, default=float("nan")), 2),
            "missing_chats": self.missing_chats[:20],
            "worst_seconds": self.worst_seconds(),
        }


LATE_REPLY_PATIENCE_S = 30.0


class Driver:
    """Posts updates to one bot's webhook and matches them with the bot's replies.

    Args:
        webhook: The bot's webhook URL.
        emulator_url: The emulator (with ``/_bench`` routes) the bot replies to.
        bot_id: The bot's id (the number before ``:`` in its token).
        first_update_id: Update ids start here and grow by one.
    """

    def __init__(
        self, webhook: str, emulator_url: str, bot_id: int, first_update_id: int = 1
    ) -> None:
        self.webhook = webhook
        self.emulator_url = emulator_url
        self.bot_id = bot_id
        self.next_update_id = first_update_id
        self._http: aiohttp.ClientSession | None = None
        # The webhook posts use YABOT's lean client: the load generator shares the CPU with
        # the bots, so its own cost per update (~1/3 of aiohttp's) matters.
        parts = urlsplit(webhook)
        self._webhook_path = parts.path
        self._webhook: HttpClient | None = None
        self._webhook_origin = f"{parts.scheme}://{parts.netloc}"

    async def __aenter__(self) -> Driver:
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000))
        self._webhook = HttpClient(
            self._webhook_origin,
            max_connections=1000,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self._webhook is not None:
            await self._webhook.close()

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "use the driver as an async context manager"
        return self._http

    async def post(self, user_id: int, text: str) -> bool:
        """POST one update until the webhook accepts it (at most 5 tries); True if accepted."""
        update = make_update(self.next_update_id, user_id, text)
        return await self.post_update(update)

    async def press(self, user_id: int, message_id: int, data: str) -> bool:
        """POST a press on a button of the bot's message; True if accepted."""
        return await self.post_update(make_press(self.next_update_id, user_id, message_id, data))

    async def post_update(self, update: dict[str, Any]) -> bool:
        """POST ``update`` (its id the next of this driver) until accepted (at most 5 tries)."""
        assert self._webhook is not None, "use the driver as an async context manager"
        body = json.dumps(update).encode()
        self.next_update_id += 1
        for attempt in range(5):
            try:
                status, _ = await self._webhook.post(self._webhook_path, body, timeout_s=10)
                if status == 200:
                    return True
            except HttpError:
                pass
            await asyncio.sleep(0.05 * 2**attempt)
        return False

    async def mark_started(self, token: str, users: Sequence[int]) -> None:
        """Tell the emulator these users have opened their chat with the bot."""
        for start in range(0, len(users), 20000):
            async with self.http.post(
                self.emulator_url + "/_bench/started",
                json={"token": token, "users": list(users[start : start + 20000])},
            ) as r:
                r.raise_for_status()

    async def moments(self, users: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Each chat's current story moment, as the emulator shows it (``/_bench/moments``)."""
        async with self.http.post(
            self.emulator_url + "/_bench/moments",
            json={"bot_id": self.bot_id, "users": list(users)},
            timeout=aiohttp.ClientTimeout(total=120),
        ) as r:
            r.raise_for_status()
            return {int(k): v for k, v in (await r.json()).items()}

    async def replies(self) -> dict[int, list[float]]:
        """Reply times per chat recorded by the emulator for this bot."""
        async with self.http.get(
            self.emulator_url + "/_bench/replies",
            params={"bot_id": self.bot_id},
            timeout=aiohttp.ClientTimeout(total=120),
        ) as r:
            r.raise_for_status()
            return {int(k): v for k, v in (await r.json()).items()}

    async def forget_replies(self) -> None:
        """Clear the emulator's reply times (of every bot)."""
        async with self.http.delete(self.emulator_url + "/_bench/replies") as r:
            r.raise_for_status()

    async def settle(
        self,
        quiet_s: float = 1.0,
        timeout: float = 600.0,
        expect: int = 0,
        posted: dict[int, list[float]] | None = None,
    ) -> int:
        """Wait for the bot's replies; return how many the emulator recorded.

        Returns once ``expect`` replies arrived, or when none arrived for ``quiet_s`` seconds
        (at least ``LATE_REPLY_PATIENCE_S`` while fewer than ``expect`` are in: a late reply is
        measured as a latency, only one that never comes is a failure), or after ``timeout``.
        With ``posted`` (the posts per chat), a reply counts towards ``expect`` only up to its
        chat's posts: a surplus reply in one chat (a call the bot retried after a timeout that
        had in fact gone through, or a late one of an earlier step) must not stand in for a
        missing one in another.
        """
        deadline = time.monotonic() + timeout
        last, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            replies = await self.replies()
            if posted is None:
                count = sum(len(v) for v in replies.values())
            else:
                count = sum(min(len(replies.get(c, ())), len(p)) for c, p in posted.items())
            if expect and count >= expect:
                return count
            now = time.monotonic()
            if count != last:
                last, last_change = count, now
            elif now - last_change >= (max(quiet_s, LATE_REPLY_PATIENCE_S) if expect else quiet_s):
                return count
            await asyncio.sleep(min(quiet_s, 0.5))
        return last

    async def closed_loop(
        self, users: Sequence[int], per_user: int, text: Callable[[int], str]
    ) -> Timings:
        """Every user posts ``per_user`` updates back to back (one in flight per chat)."""
        timings = Timings(first=time.monotonic())

        async def one(user_id: int) -> None:
            for n in range(per_user):
                at = time.monotonic()
                if await self.post(user_id, text(n)):
                    timings.add(user_id, at)
                else:
                    timings.failures += 1

        await asyncio.gather(*(one(u) for u in users))
        timings.last_post = time.monotonic()
        return timings

    async def open_loop(
        self,
        users: Sequence[int],
        mean_interval_s: float,
        duration_s: float,
        text: Callable[[int], str],
        seed: int = 8,
    ) -> Timings:
        """Every user acts at random (exponential gaps of mean ``mean_interval_s``).

        An action due while the chat's previous update is still in flight waits for it, like
        Telegram's per-chat delivery; its latency counts from when it was due.
        """
        rng = random.Random(seed)
        # The schedule starts once every player's coroutine is parked: starting 10,000 of
        # them takes the harness's loop a few hundred ms, which would make the first
        # second's updates late before any bot saw them.
        timings = Timings(first=time.monotonic() + 0.5 + len(users) * 50e-6)
        end = timings.first + duration_s

        async def one(user_id: int, first_gap: float) -> None:
            due = timings.first + first_gap
            n = 0
            while due < end:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if await self.post(user_id, text(n)):
                    timings.add(user_id, due)
                else:
                    timings.failures += 1
                n += 1
                due += rng.expovariate(1 / mean_interval_s)

        await asyncio.gather(*(one(u, rng.expovariate(1 / mean_interval_s)) for u in users))
        timings.last_post = time.monotonic()
        return timings

    async def result(self, timings: Timings, quiet_s: float = 1.0) -> Result:
        """Wait for the replies and match them with the posts."""
        await self.settle(quiet_s, expect=timings.count, posted=timings.posted)
        replies = await self.replies()
        latencies: list[float] = []
        sent_s: list[float] = []
        last_reply = timings.first
        missing = 0
        missing_chats: list[int] = []
        for chat, posted in timings.posted.items():
            got = replies.get(chat, [])
            if len(posted) > len(got):
                missing += len(posted) - len(got)
                missing_chats.append(chat)
            for sent, replied in zip(posted, got, strict=False):
                latencies.append((replied - sent) * 1000)
                sent_s.append(sent - timings.first)
                last_reply = max(last_reply, replied)
        return Result(
            timings.count,
            timings.count - missing,
            timings.failures + missing,
            last_reply - timings.first,
            latencies,
            missing_chats,
            sent_s,
            timings.first,
        )
