"""Libraries that log through the standard library come out as YABOT's own JSON lines."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from yabot.observability.logging import configure_logging, correlation, get_logger


@pytest.fixture
def json_logging(capsys: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    """Stderr of the test (the logging configuration is restored by ``tests/conftest.py``)."""
    return capsys


def _configure() -> None:
    # In the test's body: pytest swaps sys.stderr between setup and call.
    configure_logging("INFO", json_logs=True, cache=False)


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_a_library_line_carries_level_logger_time_and_correlation_id(
    json_logging: pytest.CaptureFixture[str],
) -> None:
    _configure()
    with correlation("u42", user_id=7):
        logging.getLogger("apscheduler.scheduler").info("Scheduler %s", "started")
    logging.getLogger("pykka").debug("below the level")

    [line] = _lines(json_logging)
    assert line["event"] == "Scheduler started"
    assert line["logger"] == "apscheduler.scheduler"
    assert line["level"] == "info"
    assert line["correlation_id"] == "u42" and line["user_id"] == 7
    assert line["timestamp"].endswith("Z")


def test_a_library_traceback_is_one_json_line(json_logging: pytest.CaptureFixture[str]) -> None:
    _configure()
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        logging.getLogger("apscheduler.executors.default").exception("Job raised an exception")

    [line] = _lines(json_logging)
    assert line["level"] == "error"
    assert "Traceback" in line["exception"] and "ZeroDivisionError" in line["exception"]


def test_own_lines_redact_secrets_and_answers(json_logging: pytest.CaptureFixture[str]) -> None:
    _configure()
    get_logger("test").warning("checked", text="my free-text answer", token="123:abc", user_id=3)

    [line] = _lines(json_logging)
    assert line["text"] == "[redacted]" and line["token"] == "[redacted]"
    assert line["user_id"] == 3
