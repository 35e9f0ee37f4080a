"""What the bot writes to its log: JSON lines only, the update's correlation id on the lines
about its reply, and never a player's free-text answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import Emu, RunningBot, bot_settings


def _log_lines(err: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(the JSON lines, the other non-empty lines) of what the bot wrote to stderr."""
    parsed: list[dict[str, Any]] = []
    other: list[str] = []
    for line in err.splitlines():
        if not line.strip():
            continue
        try:
            parsed.append(json.loads(line))
        except ValueError:
            other.append(line)
    return parsed, other


@pytest.mark.parametrize("mode", ["polling", "webhook_process"])
def test_a_reply_telegram_refused_once_is_logged_with_the_updates_correlation_id(
    emu: Emu, tmp_path: Path, capfd: pytest.CaptureFixture[str], mode: str
) -> None:
    player = emu.player(611, "Lu", "en")
    bot = RunningBot(bot_settings(tmp_path / "data", emu.url, mode)).start()
    try:
        player.say("/help")
        emu.faults(error_429_next=1, retry_after=1, methods=["sendMessage"])
        update_id = player.send("/help")
        player.wait_for(lambda ms: len(ms) > 0)
    finally:
        emu.faults()
        bot.stop()
    lines, other = _log_lines(capfd.readouterr().err)
    assert other == [], "every log line is one JSON object"
    limited = [line for line in lines if line["event"] == "send_rate_limited"]
    assert [line["correlation_id"] for line in limited] == [f"u{update_id}"]
    assert all({"level", "timestamp"} <= line.keys() for line in lines)


def test_a_free_text_answer_is_in_no_log_line(
    emu: Emu, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    answer = "I trust nobody here, quartz-zebra-4711"
    player = emu.player(612, "Mo", "en")
    settings = bot_settings(tmp_path / "data", emu.url, "polling", YABOT_LOGGING__LEVEL="DEBUG")
    bot = RunningBot(settings).start()
    try:
        player.say("/start")
        player.say(answer)
    finally:
        bot.stop()
    err = capfd.readouterr().err
    lines, other = _log_lines(err)
    assert lines, "the bot logged at DEBUG"
    assert other == [], "every log line is one JSON object"
    assert "quartz-zebra-4711" not in err
