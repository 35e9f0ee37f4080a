"""Update ids keep growing when the emulator starts again with the same state directory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from yabot.emulator.state import Emulator, EmulatorConfig

TOKEN = "5151:ids"


async def _push(emulator: Emulator, count: int) -> list[int]:
    bot = emulator.register_bot(TOKEN)
    ids = []
    for _ in range(count):
        update_id = await emulator.push_update(bot, "message", {"text": "x"})
        assert update_id is not None
        ids.append(update_id)
    return ids


def test_ids_continue_after_a_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(state_dir=tmp_path / "emulator")
    first = asyncio.run(_push(Emulator(config), 1_500))  # crosses a reserved block
    second = asyncio.run(_push(Emulator(config), 3))
    assert first[0] == 1 and first == sorted(set(first))
    assert second[0] > first[-1]
    third = asyncio.run(_push(Emulator(config), 1))
    assert third[0] > second[-1]


def test_without_a_state_dir_ids_start_at_one(tmp_path: Path) -> None:
    assert asyncio.run(_push(Emulator(), 2)) == [1, 2]
    assert asyncio.run(_push(Emulator(), 1)) == [1]


def test_an_unreadable_counter_file_starts_again_at_one(tmp_path: Path) -> None:
    state = tmp_path / "emulator"
    state.mkdir()
    (state / "update_ids.json").write_text("not json")
    assert asyncio.run(_push(Emulator(EmulatorConfig(state_dir=state)), 1)) == [1]
