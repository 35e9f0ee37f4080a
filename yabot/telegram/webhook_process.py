"""The webhook in its own process, so that ingress and the players' actors use two cores.

With ``telegram.webhook_port`` set (webhook mode), ``yabot run`` starts this process: it
serves ``POST telegram.webhook_path`` on that port (and its own ``/metrics``), stores every
valid update in the durable inbox (group commits, as in-process ingress does) and only then
answers 200 and tells the bot's process about it over a private socket pair. The bot's
process hands each update to its player's actor.

Nothing is lost when this process dies: an update is answered 200 only once it is in the
inbox; the bot's process restarts the webhook process (with back-off) and hands over again
every update stored since the dead one started (actors skip those they already applied).
If the bot's process dies, this process sees the socket close and exits.

With ``telegram.sender_in_webhook_process`` this process also makes the bot's Bot API calls
(:mod:`yabot.telegram.remote_sender`): the bot's process ships each reply here and gets the
answer back, so the HTTP work of the replies runs on this process's core too.

Frames on the socket (:mod:`yabot.telegram.frames`). Child to parent: ``R`` ready, ``U`` an
update (pickled :class:`IncomingUpdate`), ``q`` ingress stopped, and the remote sender's ``D``
and ``B``. Parent to child: ``A`` admit, ``O`` refuse new work (payload: seconds Telegram
should wait), ``Q`` stop serving the webhook (calls are still made), and the remote sender's
``S``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest
from pydantic import SecretStr

from yabot.observability.gc_policy import GcPolicy
from yabot.observability.logging import configure_logging, get_logger
from yabot.resilience import Backoff
from yabot.telegram.frames import FrameReader, FrameWriter
from yabot.telegram.inbox_writer import InboxWriter
from yabot.telegram.sink import HandOver, Overloaded
from yabot.telegram.types import IncomingUpdate, parse_stored_update

if TYPE_CHECKING:
    from yabot.config import Settings
    from yabot.storage.inbox import Inbox
    from yabot.telegram.remote_sender import RemoteSender, SenderHost

log = get_logger(__name__)

RESTARTS = Counter(
    "yabot_webhook_process_restarts_total", "Times the webhook process died and was restarted"
)
ALIVE = Gauge("yabot_webhook_process_up", "1 while the webhook process is running")


def _revealed(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _revealed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_revealed(item) for item in value]
    return value


# ---- the bot's process ------------------------------------------------------------------------


class WebhookProcess:
    """Starts, supervises and stops the webhook process; hands its updates to the router.

    Args:
        settings: YABOT's settings (the child gets them whole, secrets included, on stdin).
        router: Receives every update the child stored (``router.hand_over``).
        inbox: The inbox the child writes; read again after the child died.
        admit: Raises ``Overloaded`` while new work must be refused (checked every 0.5 s).
        sender: The bot's remote sender, when the child makes the Bot API calls.
    """

    def __init__(
        self,
        settings: Settings,
        router: HandOver,
        inbox: Inbox,
        admit: Callable[[], None],
        *,
        sender: RemoteSender | None = None,
        backoff_max_s: float = 30.0,
    ) -> None:
        self._settings = settings
        self._router = router
        self._inbox = inbox
        self._admit = admit
        self._backoff_max_s = backoff_max_s
        self._sender = sender
        self._proc: subprocess.Popen[bytes] | None = None
        self._out: FrameWriter | None = None
        self._ingress_stopped: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._ready: asyncio.Event | None = None
        self.restarts = 0

    @property
    def alive(self) -> bool:
        """Whether the child is running."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The child's pid while it runs."""
        return self._proc.pid if self.alive and self._proc is not None else None

    async def start(self, timeout_s: float = 30.0) -> None:
        """Start the child and return once it serves the webhook port."""
        self._ready = asyncio.Event()
        self._task = asyncio.create_task(self._supervise(), name="webhook-process")
        ready = asyncio.create_task(self._ready.wait())
        await asyncio.wait({ready, self._task}, timeout=timeout_s, return_when="FIRST_COMPLETED")
        if not ready.done():
            ready.cancel()
            raise RuntimeError("the webhook process did not start; see its log lines above")

    async def stop_ingress(self, timeout_s: float = 5.0) -> None:
        """Have the child stop serving the webhook (it finishes the requests in flight and
        hands their updates over) and keep making calls; return when it did, or after
        ``timeout_s``."""
        stopped = self._ingress_stopped = asyncio.Event()
        if self._out is None or not self.alive:
            return
        self._out.send(b"Q")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopped.wait(), timeout_s)

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the child (it finishes the requests and calls in flight) and the
        supervision."""
        self._stopping = True
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.to_thread(proc.wait), timeout_s)
            except TimeoutError:
                proc.kill()
                await asyncio.to_thread(proc.wait)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        ALIVE.set(0)

    async def _supervise(self) -> None:
        restart = Backoff(1.0, self._backoff_max_s, jitter=False)
        quick_in_row = 0  # deaths within a minute of their start, right before this one
        while not self._stopping:
            started_at = time.time()
            ran_for = await self._run_once()
            if self._stopping:
                return
            ALIVE.set(0)
            RESTARTS.inc()
            self.restarts += 1
            code = self._proc.returncode if self._proc is not None else None
            delay = restart.delay(quick_in_row + 1)
            log.error("webhook_process.died", exit_code=code, restart_in_s=delay)
            await self._hand_over_stored_since(started_at)
            await asyncio.sleep(delay)
            quick_in_row = 0 if ran_for > 60 else quick_in_row + 1

    async def _run_once(self) -> float:
        began = time.monotonic()
        parent, child = socket.socketpair()
        try:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "yabot.telegram.webhook_process",
                    "--fd",
                    str(child.fileno()),
                ],
                stdin=subprocess.PIPE,
                pass_fds=[child.fileno()],
            )
        finally:
            child.close()
        assert self._proc.stdin is not None
        settings = _revealed(self._settings.model_dump(mode="python"))
        self._proc.stdin.write(json.dumps(settings, default=str).encode())
        self._proc.stdin.close()
        reader, writer = await asyncio.open_connection(sock=parent)
        self._out = out = FrameWriter(writer)
        if self._sender is not None:
            self._sender.connected(out)
        admitter = asyncio.create_task(self._send_admission())
        try:
            await self._read_frames(FrameReader(reader))
        finally:
            admitter.cancel()
            self._out = None
            if self._sender is not None:
                self._sender.disconnected()
            out.close()
            await asyncio.to_thread(self._proc.wait)
        return time.monotonic() - began

    async def _read_frames(self, reader: FrameReader) -> None:
        assert self._ready is not None
        hand_over = self._router.hand_over
        sender = self._sender
        while True:
            try:
                frames = await reader.frames()
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            for kind, payload in frames:
                if kind == b"U":
                    update, seq = pickle.loads(payload)
                    hand_over(update, seq)
                elif sender is not None and sender.on_frame(kind, payload):
                    pass
                elif kind == b"R":
                    ALIVE.set(1)
                    self._ready.set()
                    log.info("webhook_process.ready", pid=self.pid)
                elif kind == b"q" and self._ingress_stopped is not None:
                    self._ingress_stopped.set()

    async def _send_admission(self) -> None:
        sent: tuple[bytes, bytes] | None = None
        while True:
            try:
                self._admit()
                frame = (b"A", b"")
            except Overloaded as exc:
                frame = (b"O", str(exc.retry_after_s).encode())
            if frame != sent and self._out is not None:
                self._out.send(*frame)
                sent = frame
            await asyncio.sleep(0.5)

    async def _hand_over_stored_since(self, started_at: float) -> None:
        entries = await asyncio.to_thread(self._inbox.entries_received_since, started_at - 1.0)
        for entry in entries:
            self._router.hand_over(parse_stored_update(entry.payload, entry.received_at), entry.seq)
        log.info("webhook_process.handed_over_again", updates=len(entries))


# ---- the webhook process ----------------------------------------------------------------------


class _Forwarder:
    """The child's update sink: inbox first, then a frame to the bot's process."""

    def __init__(self, inbox: Inbox, out: FrameWriter) -> None:
        self._inbox_writer = InboxWriter(inbox)
        self._out = out
        self.refusing: float | None = None

    async def accept(self, update: IncomingUpdate) -> bool:
        if update.user_id is None:
            return True
        if self.refusing is not None:
            raise Overloaded("the bot is refusing new work for now", self.refusing)
        stored = await self._inbox_writer.append(update)
        # Repeats are forwarded too, with the first arrival's seq: a repeat may be the retry
        # of an update whose frame a crash lost; actors skip the entries they already applied.
        self._out.send(b"U", pickle.dumps((update, stored.seq), pickle.HIGHEST_PROTOCOL))
        await self._out.drain()
        return stored.new

    def close(self) -> None:
        self._inbox_writer.close()


def _metrics() -> tuple[bytes, bytes]:
    return CONTENT_TYPE_LATEST.encode(), generate_latest()


async def _listen_to_parent(
    reader: FrameReader,
    sink: _Forwarder,
    host: SenderHost | None,
    stop: Any,
    stop_ingress: Any,
) -> None:
    while True:
        try:
            frames = await reader.frames()
        except (asyncio.IncompleteReadError, ConnectionError):
            log.warning("webhook_process.parent_gone")
            stop()
            return
        for kind, payload in frames:
            if host is not None and host.on_frame(kind, payload):
                continue
            if kind == b"A":
                sink.refusing = None
            elif kind == b"O":
                sink.refusing = float(payload or b"5")
            elif kind == b"Q":
                stop_ingress()


async def _watch_breaker(host: SenderHost) -> None:
    while True:
        host.watch_breaker()
        await asyncio.sleep(0.5)


async def _child_main(fd: int, settings: Settings) -> int:
    from yabot.storage.inbox import open_inbox
    from yabot.telegram.webhook import WebhookHandler
    from yabot.telegram.webhook_server import WebhookServer

    inbox = open_inbox(settings)  # the bot's keys: payloads are encrypted before they rest
    reader, writer = await asyncio.open_connection(sock=socket.socket(fileno=fd))
    out = FrameWriter(writer)
    sink = _Forwarder(inbox, out)
    server = WebhookServer(
        WebhookHandler(settings, sink),
        settings.api.host,
        settings.telegram.webhook_port,
        {"/metrics": _metrics},
    )
    sender, host = await _start_sender(settings, out)
    stopped = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    serving = asyncio.Event()
    ingress_stopped: list[asyncio.Task[None]] = []

    def stop_ingress() -> None:
        if not ingress_stopped:
            ingress_stopped.append(asyncio.create_task(_stop_serving(server, serving, out)))

    listener = asyncio.create_task(
        _listen_to_parent(FrameReader(reader), sink, host, stopped.set, stop_ingress)
    )
    breaker = asyncio.create_task(_watch_breaker(host)) if host is not None else None
    try:
        await server.start()
        serving.set()
    except OSError as exc:
        log.error(
            "webhook_process.cannot_listen", port=settings.telegram.webhook_port, error=str(exc)
        )
    # The bot's collector policy here too: full passes over the inbox writer's garbage
    # stalled this process for 17-25 ms at 1,000 updates/s (docs/benchmarks.md).
    collector = GcPolicy.from_settings(settings.runtime)
    collector.start()
    started = serving.is_set()
    if started:
        out.send(b"R")
        log.info("webhook_process.serving", port=settings.telegram.webhook_port)
        await stopped.wait()
        stop_ingress()
        await ingress_stopped[0]
    listener.cancel()
    if breaker is not None:
        breaker.cancel()
    if sender is not None:
        # The bot's process waited for its calls before stopping this one: what is left was
        # shipped by a process that is gone or stopping; it is answered "closed".
        await sender.stop(drain_timeout=1.0)
    if host is not None:
        host.flush()
    await collector.stop()
    sink.close()
    inbox.close()
    with contextlib.suppress(ConnectionError):
        out.close()
    return 0 if started else 1


async def _start_sender(settings: Settings, out: FrameWriter) -> tuple[Any, SenderHost | None]:
    if not settings.telegram.sender_in_webhook_process:
        return None, None
    from yabot.telegram.remote_sender import SenderHost
    from yabot.telegram.sender import Sender

    sender = Sender(settings)
    await sender.start()
    return sender, SenderHost(sender, out)


async def _stop_serving(server: Any, serving: asyncio.Event, out: FrameWriter) -> None:
    if serving.is_set():
        await server.stop()
        serving.clear()
    out.send(b"q")


@contextlib.contextmanager
def _loop_factory() -> Iterator[Any]:
    try:
        import uvloop
    except ImportError:
        yield None
        return
    yield uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    """Entry point of the webhook process (started by :class:`WebhookProcess`)."""
    from yabot.config import Settings

    parser = argparse.ArgumentParser(description="YABOT's webhook process (started by yabot run)")
    parser.add_argument("--fd", type=int, required=True, help="the socket to the bot's process")
    args = parser.parse_args(argv)
    settings = Settings.model_validate(json.loads(sys.stdin.buffer.read()))
    configure_logging(settings.logging.level, settings.logging.json_logs)
    # As in the bot's process: the inbox writer thread waits for the GIL behind the event loop
    # each time it comes back from SQLite; this bounds that wait.
    sys.setswitchinterval(settings.runtime.gil_switch_interval_s)
    # Ctrl+C reaches the whole process group: the bot's process stops this one in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with _loop_factory() as factory, asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(_child_main(args.fd, settings))


if __name__ == "__main__":
    raise SystemExit(main())
