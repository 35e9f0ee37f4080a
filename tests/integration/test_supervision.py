"""The players' supervisor tree: shards, the configured limits, and /readyz after a give-up."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.integration.harness import Emu, RunningBot, bot_settings
from yabot.shards import shard_of


def _readiness(bot: RunningBot) -> tuple[int, dict[str, bool]]:
    r = httpx.get(bot.api_url + "/readyz", timeout=10)
    return r.status_code, {c["name"]: c["ok"] for c in r.json()["checks"]}


def test_tree_limits_and_readyz_fails_once_the_root_supervisor_gave_up(
    emu: Emu, tmp_path: Path
) -> None:
    settings = bot_settings(
        tmp_path / "data",
        emu.url,
        "polling",
        YABOT_RUNTIME__SHARDS="8",
        YABOT_RUNTIME__MAILBOX_LIMIT="77",
        YABOT_RUNTIME__MESSAGES_PER_TURN="5",
        YABOT_RUNTIME__RESTART_MAX="0",
    )
    bot = RunningBot(settings).start()
    try:
        runtime = bot.runtime()
        actor_class = runtime.directory.actor_class
        assert (actor_class.mailbox_limit, actor_class.turn_size) == (77, 5)
        tree = runtime.tree
        refs = {tree.shard_supervisor(s) for s in range(8)}
        assert len(refs) == 8
        for user in (1, 2, 3, 10**9 + 7):
            assert tree.supervisor_for(user) is tree.shard_supervisor(shard_of(user, 8))
        status, checks = _readiness(bot)
        assert checks["supervisors"] is True

        player = emu.player(8_801, "Ana", "en")
        player.send("/help")
        player.wait_for(lambda ms: len(ms) > 0)
        # A player actor fails; with runtime.restart_max = 0 its shard supervisor gives up,
        # then the players supervisor, then the root: nothing restarts player actors now.
        runtime.directory.tell(8_801, object())
        deadline = time.monotonic() + 10
        while runtime.gave_up is None:
            assert time.monotonic() < deadline, "the root supervisor never gave up"
            time.sleep(0.05)
        status, checks = _readiness(bot)
        assert status == 503 and checks["supervisors"] is False
    finally:
        bot.stop()


def test_a_shard_supervisor_that_gives_up_is_restarted_alone(emu: Emu, tmp_path: Path) -> None:
    settings = bot_settings(
        tmp_path / "data",
        emu.url,
        "polling",
        YABOT_RUNTIME__SHARDS="4",
        YABOT_RUNTIME__RESTART_MAX="1",
        YABOT_RUNTIME__RESTART_BACKOFF_S="0",
    )
    bot = RunningBot(settings).start()
    try:
        runtime = bot.runtime()
        tree = runtime.tree
        user = 8_802
        shard = shard_of(user, 4)
        before = [tree.shard_supervisor(s) for s in range(4)]
        player = emu.player(user, "Ana", "en")
        deadline = time.monotonic() + 10
        while tree.shard_supervisor(shard) is before[shard]:
            assert time.monotonic() < deadline, "the shard supervisor was not restarted"
            runtime.directory.tell(user, object())  # the player's actor fails again
            time.sleep(0.1)
        after = [tree.shard_supervisor(s) for s in range(4)]
        assert [a is b for a, b in zip(after, before, strict=True)] == [
            s != shard for s in range(4)
        ]
        assert runtime.gave_up is None
        player.send("/help")
        assert player.wait_for(lambda ms: len(ms) > 0), "the player plays on"
        _, checks = _readiness(bot)
        assert checks["supervisors"] is True
    finally:
        bot.stop()
