"""`scripts/run` installs no optional extra: the embedded (SQLite) bot and its commands must
not need psycopg, which only the `cluster` (and `test`) extras install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs yabot's CLI as if psycopg and psycopg_pool were not installed.
_BLOCKED_CLI = """
import sys

class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("psycopg", "psycopg_pool", "psycopg_binary"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Block())
from yabot.cli import main

raise SystemExit(main(sys.argv[1:]))
"""


def _yabot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YABOT_") and k != "TELEGRAM_BOT_TOKEN"
    }
    env["YABOT_STORAGE__DATA_DIR"] = str(tmp_path / "var")
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", _BLOCKED_CLI, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", [("check-config",), ("migrate",)])
def test_commands_run_without_psycopg(tmp_path: Path, command: tuple[str, ...]) -> None:
    done = _yabot(tmp_path, *command)
    assert "psycopg" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr


def test_backup_and_restore_without_psycopg(tmp_path: Path) -> None:
    assert _yabot(tmp_path, "migrate").returncode == 0
    backup = tmp_path / "backup"
    done = _yabot(tmp_path, "backup", str(backup))
    assert done.returncode == 0, done.stderr
    assert (backup / "manifest.json").is_file()
    restored = tmp_path / "restored"
    env_dir = restored / "var"
    done = subprocess.run(
        [sys.executable, "-c", _BLOCKED_CLI, "restore", str(backup)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "YABOT_STORAGE__DATA_DIR": str(env_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "psycopg" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
