"""Acceptance: a backup taken while the bot serves brings every player's progress back.

A player plays through the webhook with update ids near 9e8; ``yabot backup`` runs while the
bot serves (another player keeps playing); the bot stops; ``yabot restore`` into an empty
data dir; the bot starts there; ``GET /api/v1/players/{id}`` shows the same story position,
signature and balance as before the backup. Once with snapshots in SQLite (the local key in
the backup), once in MongoDB (SecantusDB on a free port; the keys from the environment).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from cryptography.fernet import Fernet

from tests.integration.black_box import (
    BotProcess,
    backup_while_serving,
    bot_env,
    play,
    start_ids_near_9e8,
    yabot,
)
from tests.integration.harness import Emu
from yabot.storage.backup import KEY_NOT_INCLUDED


def _round_trip(
    emu: Emu, tmp_path: Path, env: dict[str, str], restored_env: dict[str, str]
) -> dict:
    start_ids_near_9e8(emu)
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        player = emu.player(5301, "Ana", "en")
        answered = play(player, 9)
        assert answered >= 1, "the story asked a free-text question and the player answered"
        assert player.messages()[-1]["message_id"] > 0
        before = bot.player_view(5301)
        assert before["story"]["turn"] >= 9
        backup_while_serving(emu, env, tmp_path / "backup")
        assert bot.player_view(5301) == before, "the backup changed nothing"
    finally:
        assert bot.stop() == 0, (tmp_path / "bot.log").read_text()[-3000:]

    restored_dir = Path(restored_env["YABOT_STORAGE__DATA_DIR"])
    assert not restored_dir.exists()
    done = yabot(restored_env, "restore", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    again = BotProcess(restored_env, tmp_path / "restored.log").start()
    try:
        after = again.player_view(5301)
    finally:
        again.stop()
    assert after == before
    manifest: dict = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    return manifest


def test_backup_and_restore_through_the_cli_bring_a_player_back(emu: Emu, tmp_path: Path) -> None:
    env = bot_env(tmp_path / "data", emu.url)
    restored = bot_env(tmp_path / "restored", emu.url)
    manifest = _round_trip(emu, tmp_path, env, restored)
    names = {f["name"] for f in manifest["files"]}
    assert {"inbox.sqlite3", "snapshots.sqlite3", "records.db", "secret.key"} <= names
    assert manifest["encryption_key"] == {"source": "secret.key", "included": True}


def test_backup_and_restore_with_the_mongo_snapshot_store(
    emu: Emu, tmp_path: Path, mongodb_uri: str
) -> None:
    keys = {"YABOT_SECURITY__ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    mongo = {"YABOT_STORAGE__MONGODB_URI": mongodb_uri}
    database = f"yabot_bb_{uuid.uuid4().hex[:8]}"
    env = bot_env(
        tmp_path / "data", emu.url, **keys, **mongo, YABOT_STORAGE__MONGODB_DATABASE=database
    )
    restored = bot_env(
        tmp_path / "restored",
        emu.url,
        **keys,
        **mongo,
        YABOT_STORAGE__MONGODB_DATABASE=database + "_restored",
    )
    manifest = _round_trip(emu, tmp_path, env, restored)
    names = {f["name"] for f in manifest["files"]}
    assert {"inbox.sqlite3", "snapshots.bson", "records.db"} <= names
    assert "secret.key" not in names and "snapshots.sqlite3" not in names
    assert manifest["encryption_key"] == {"source": "environment", "included": False}
    assert manifest["warnings"] == [KEY_NOT_INCLUDED]
    dump = next(f for f in manifest["files"] if f["name"] == "snapshots.bson")
    assert dump["documents"] >= 2


def test_restore_with_a_key_that_cannot_read_the_snapshots_is_one_line(
    emu: Emu, tmp_path: Path
) -> None:
    """The black-box refusal: the keys in the environment do not decrypt the backup."""
    start_ids_near_9e8(emu)
    env = bot_env(tmp_path / "data", emu.url)
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        play(emu.player(5303, "Cai", "en"), 4)
    finally:
        bot.stop()
    assert yabot(env, "backup", str(tmp_path / "backup")).returncode == 0
    other = bot_env(
        tmp_path / "restored",
        emu.url,
        YABOT_SECURITY__ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    done = yabot(other, "restore", str(tmp_path / "backup"))
    assert done.returncode == 2, "a refused restore is a usage error, as a config mistake is"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot decrypt" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "restored").exists()
