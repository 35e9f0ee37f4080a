"""Edge cases: timers, shut-down pools, loaders that fail, supervisors that give up."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pykka
import pytest
from actor_helpers import RECORDER, wait_until

from actors import (
    Directory,
    DirectoryClosed,
    Intensity,
    KeyedActor,
    PooledActor,
    PoolShutDown,
    Strategy,
    Supervisor,
    WorkerPool,
    live_count,
    stop_tree,
    watch,
)


def test_timers_run_in_order_and_cancel() -> None:
    timers = WorkerPool(1, name="test-timers")
    fired: list[str] = []
    done = threading.Event()
    timers.call_later(0.03, lambda: (fired.append("late"), done.set()))
    timers.call_later(0.0, lambda: fired.append("early"))
    timers.call_later(0.01, lambda: fired.append("cancelled")).cancel()
    timers.call_later(0.0, lambda: 1 / 0)  # a failing callback does not stop the others
    assert done.wait(5)
    assert fired == ["early", "late"]
    assert timers.shutdown(timeout=5)
    with pytest.raises(RuntimeError, match="closed"):
        timers.call_later(0, lambda: None)


def test_tell_after_pool_shutdown_fails_loudly() -> None:
    own = WorkerPool(1, name="closing")

    class Echo(PooledActor):
        pool = own

        def on_receive(self, message: Any) -> Any:
            return message

    ref = Echo.start()
    assert ref.ask("x", timeout=5) == "x"
    assert own.shutdown(timeout=5)
    with pytest.raises(PoolShutDown):
        ref.tell("y")
    live = live_count()
    with pytest.raises(PoolShutDown):
        Echo.start()
    assert live_count() == live


def test_invalid_pool_size_is_refused() -> None:
    with pytest.raises(ValueError, match="size"):
        WorkerPool(0)


def test_watch_reports_stop_and_failure(pool: WorkerPool) -> None:
    class Fails(PooledActor):
        def on_receive(self, message: Any) -> Any:
            raise RuntimeError("no")

    seen: list[tuple[str, str]] = []
    ok, bad = Fails.start(), Fails.start()
    watch(ok, lambda ref, failure: seen.append(("ok", repr(failure))))
    watch(bad, lambda ref, failure: seen.append(("bad", repr(failure))))
    ok.stop()
    bad.tell("boom")
    wait_until(lambda: len(seen) == 2)
    assert ("ok", "None") in seen
    assert ("bad", "RuntimeError('no')") in seen
    late: list[str] = []
    watch(ok, lambda ref, failure: late.append("called at once"))
    assert late == ["called at once"]
    threaded = pykka.ThreadingActor.start()
    try:
        with pytest.raises(TypeError):
            watch(threaded, lambda ref, failure: None)
    finally:
        threaded.stop()


class Flaky(KeyedActor[str, int]):
    def on_receive(self, message: Any) -> Any:
        self.state += 1
        return self.state


def test_loader_failures_are_retried_by_the_supervisor_with_mail_kept(pool: WorkerPool) -> None:
    attempts: list[str] = []

    def load(key: str) -> int:
        attempts.append(key)
        if len(attempts) < 3:
            raise ConnectionError("snapshot store unavailable")
        return 10

    sup = Supervisor.start("flaky", Strategy.ONE_FOR_ONE, Intensity(5, 10.0, 0.001))
    directory = Directory(Flaky, load, lambda k, s: None, name="flaky", supervisor=sup)
    pykka_log = logging.getLogger("pykka")
    level = pykka_log.level
    pykka_log.setLevel(logging.CRITICAL)
    try:
        replies = [directory.ask("k", "inc") for _ in range(3)]
        assert [r.get(timeout=5) for r in replies] == [11, 12, 13]
    finally:
        pykka_log.setLevel(level)
    assert len(attempts) == 3
    assert directory.stop_all(timeout=5)
    assert stop_tree(sup, timeout=5)


def test_held_mail_fails_loudly_when_the_supervisor_gives_up(pool: WorkerPool) -> None:
    def load(key: str) -> int:
        raise ConnectionError("down for good")

    gave_up: list[BaseException] = []
    sup = Supervisor.start(
        "hopeless", Strategy.ONE_FOR_ONE, Intensity(2, 60.0, 0.0), gave_up.append
    )
    directory = Directory(Flaky, load, lambda k, s: None, name="hopeless", supervisor=sup)
    before = RECORDER.count("dropped", "Flaky")
    pykka_log = logging.getLogger("pykka")
    level = pykka_log.level
    pykka_log.setLevel(logging.CRITICAL)
    try:
        directory.tell("k", "inc")
        reply = directory.ask("k", "inc")
        with pytest.raises(pykka.ActorDeadError):
            reply.get(timeout=5)
    finally:
        pykka_log.setLevel(level)
    wait_until(lambda: bool(gave_up))
    wait_until(lambda: not directory.is_resident("k"))
    after = RECORDER.count("dropped", "Flaky")
    assert after - before == 1  # the tell: counted, not silent
    assert directory.stop_all(timeout=5)
    with pytest.raises(DirectoryClosed):
        directory.ask("k", "inc")


def test_an_earlier_timer_wakes_the_sleeping_timer_thread() -> None:
    timers = WorkerPool(1, name="test-timer-wake")
    fired = threading.Event()
    timers.call_later(30.0, lambda: None)  # the thread now sleeps until this one
    timers.call_later(60.0, lambda: None)  # later: no need to wake it
    started = time.monotonic()
    timers.call_later(0.01, fired.set)  # earlier: it must wake and fire in time
    assert fired.wait(5)
    assert time.monotonic() - started < 2.0
    assert timers.shutdown(timeout=5)
