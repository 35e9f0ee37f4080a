"""Passivation saves what changed and only that: an actor whose state the snapshot writer
already has (no transition since its load or its last snapshot) writes no snapshot again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.integration.harness import Emu, RunningBot, bot_settings
from yabot.player.actor import Inspect, Wake
from yabot.runtime import Runtime, snapshot_key


def _passivate(runtime: Runtime, user_id: int) -> None:
    assert runtime.directory.passivate(user_id)
    deadline = time.monotonic() + 10
    while runtime.directory.is_resident(user_id):
        assert time.monotonic() < deadline, "the actor did not stop"
        time.sleep(0.01)


def _stored_version(runtime: Runtime, user_id: int) -> int | None:
    stored = runtime.store.load(snapshot_key(user_id))
    return None if stored is None else stored.version


def test_passivation_writes_a_snapshot_only_when_the_state_changed(
    emu: Emu, tmp_path: Path
) -> None:
    bot = RunningBot(bot_settings(tmp_path / "data", emu.url, "polling")).start()
    try:
        runtime = bot.runtime()
        player = emu.player(611, "Ana", "en")
        player.send("/start")
        player.wait_buttons()
        _passivate(runtime, 611)
        played = _stored_version(runtime, 611)
        assert played is not None, "a player who played is saved when passivated"

        runtime.directory.ask(611, Inspect()).get(timeout=10)  # loaded, looked at, nothing changed
        _passivate(runtime, 611)
        assert _stored_version(runtime, 611) == played, "an unchanged state is not written again"

        runtime.directory.ask(612, Wake()).get(timeout=10)  # a player who never played
        _passivate(runtime, 612)
        assert _stored_version(runtime, 612) is None

        runtime.directory.ask(611, Wake()).get(timeout=10)
        update_id = player.send("/profile")
        assert player.wait_for(lambda ms: len(ms) > 0), "the restored player plays on"
        _passivate(runtime, 611)
        changed = _stored_version(runtime, 611)
        assert changed is not None and changed > played, "a transition is saved on passivation"
        state = runtime.players.load(611)
        assert state.last_update_id == update_id
    finally:
        bot.stop()


def test_a_shutdown_too_short_to_save_every_player_loses_nothing(
    emu: Emu, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """With more players to save than the shutdown timeout allows, the bot still stops (it
    does not wait behind the passivations left) and every player continues after a restart."""
    data = tmp_path / "data"
    # A microsecond: no run of this machine saves 40 players in it (at 0.01 s a quiet moment
    # sometimes did, and the test then checked nothing it names).
    short = {"YABOT_RUNTIME__SHUTDOWN_TIMEOUT_S": "0.000001"}
    bot = RunningBot(bot_settings(data, emu.url, "polling", **short)).start()
    players = [emu.player(620 + n, "Ana", "en") for n in range(40)]
    last: dict[int, int] = {}
    try:
        for player in players:
            last[player.user_id] = player.send("/start")
        for player in players:
            player.wait_buttons()
    finally:
        bot.stop()
    assert "runtime.players_not_passivated" in capfd.readouterr().err

    bot = RunningBot(bot_settings(data, emu.url, "polling")).start()
    try:
        runtime = bot.runtime()
        for player in players:
            state = runtime.directory.ask(player.user_id, Inspect()).get(timeout=10)
            assert state["last_update_id"] == last[player.user_id]
            assert state["transitions"] == 1, "the /start was applied once, not lost or twice"
    finally:
        bot.stop()
