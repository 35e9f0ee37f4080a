"""What a running bot leaves under its data dir: only declared stores, private, no words in clear.

The bot runs as an operator runs it (``yabot run``, the webhook process, players through the
webhook); every file under ``storage.data_dir`` is listed while it serves and after it stops.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.black_box import BotProcess, bot_env, play, start_ids_near_9e8
from tests.integration.harness import Emu
from yabot.storage.registry import is_restore_leftover, store_of_file

ANSWER = "Quokka-7319 mi abuela bailaba bajo la lluvia de Valparaiso"


def _files(data_dir: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(data_dir.rglob("*")):
        if path.is_file():
            yield path.relative_to(data_dir).as_posix(), path


def _holding(data_dir: Path, needle: str) -> list[str]:
    """Files under ``data_dir`` whose bytes contain ``needle`` (UTF-8), WAL and SHM included."""
    raw = needle.encode("utf-8")
    return [name for name, path in _files(data_dir) if raw in path.read_bytes()]


SERVING: dict[str, int] = {}  # every file under the data dir while the bot served, and its mode


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[list[str]]]]:
    """A bot that served two players (free-text answers included); the files holding the
    answer, looked up while it served and again after it stopped."""
    emu = Emu().start()
    start_ids_near_9e8(emu)
    tmp_path = tmp_path_factory.mktemp("at-rest")
    data = tmp_path / "data"
    bot = BotProcess(bot_env(data, emu.url), tmp_path / "bot.log").start()
    holding: list[list[str]] = []
    try:
        answered = play(emu.player(5401, "Ana", "es"), 9, ANSWER)
        answered += play(emu.player(5402, "Bo", "en"), 9, ANSWER)
        assert answered >= 2, "the story asked for free text and both players answered"
        bot.player_view(5401)  # the admin API wrote its stores too
        holding.append(_holding(data, ANSWER))
        SERVING.update({n: stat.S_IMODE(p.stat().st_mode) for n, p in _files(data)})
    finally:
        stopped = bot.stop()
        emu.stop()
    assert stopped == 0
    holding.append(_holding(data, ANSWER))
    yield data, holding


def test_every_file_under_the_data_dir_is_a_declared_private_store(
    played: tuple[Path, list[list[str]]],
) -> None:
    data, _ = played
    names = sorted({name for name, _ in _files(data)} | set(SERVING))
    assert {"inbox.sqlite3", "snapshots.sqlite3", "records.db", "secret.key"} <= set(names)
    assert {"inbox.sqlite3-wal", "records.db-wal"} <= set(SERVING), "WAL files were seen too"
    undeclared = [n for n in names if store_of_file(n) is None and not is_restore_leftover(n)]
    assert not undeclared, f"files no store of yabot/storage/registry.py declares: {undeclared}"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    modes = {**SERVING, **{n: stat.S_IMODE(p.stat().st_mode) for n, p in _files(data)}}
    loose = {name: oct(mode) for name, mode in modes.items() if mode != 0o600}
    assert not loose, f"data files readable by others: {loose}"


def test_no_store_but_the_inbox_holds_a_free_text_answer_in_clear(
    played: tuple[Path, list[list[str]]],
) -> None:
    _, holding = played
    for found in holding:
        stores = {n: store_of_file(n) for n in found}
        assert [n for n, s in stores.items() if s is None or s.name != "inbox"] == []


def test_no_file_holds_a_free_text_answer_in_clear(
    played: tuple[Path, list[list[str]]],
) -> None:
    _, holding = played
    assert holding == [[], []], f"the answer is in clear in (serving, stopped): {holding}"
