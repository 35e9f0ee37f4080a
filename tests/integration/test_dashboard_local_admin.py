"""Local play has a way into the dashboard from the first run: `yabot run` with no token and no
bootstrap password creates an admin with a random password, prints it once in the banner with
the dashboard's URL, and keeps only its hash; production settings never do this."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.harness import ROOT, free_port
from yabot.app import prepare_local_admin
from yabot.config import load_settings


def _run_once(data_dir: Path, cwd: Path) -> str:
    """Start `yabot run` for local play, sign in as the banner says, stop it; return the banner."""
    api_port, emulator_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YABOT_") and k != "TELEGRAM_BOT_TOKEN"
    }
    env.update(
        {
            "YABOT_API__PORT": str(api_port),
            "YABOT_TELEGRAM__EMULATOR_PORT": str(emulator_port),
            "YABOT_STORAGE__DATA_DIR": str(data_dir),
            "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
            "YABOT_SECURITY__PASSWORD_SCRYPT_LOG2_N": "12",
        }
    )
    with (cwd / "yabot.log").open("a") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "yabot", "run"],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
        )
    assert proc.stdout is not None
    try:
        lines = []
        deadline = time.monotonic() + 40
        while not lines or not lines[-1].startswith("Stop with Ctrl+C"):
            assert time.monotonic() < deadline and proc.poll() is None, "no banner"
            lines.append(proc.stdout.readline())
        api = f"http://127.0.0.1:{api_port}"
        while True:
            try:
                if httpx.get(api + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "yabot run did not start"
            time.sleep(0.1)
        banner = "".join(lines)
        assert f"Dashboard:            {api}/admin" in banner
        assert httpx.get(api + "/admin").status_code == 200
        return banner
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0


def _password_in(banner: str) -> str | None:
    for line in banner.splitlines():
        if "with password " in line:
            return line.split("with password ", 1)[1].strip()
    return None


def test_first_local_run_prints_a_working_admin_password_once(tmp_path: Path) -> None:
    data = tmp_path / "var"
    first = _run_once(data, tmp_path)
    password = _password_in(first)
    assert password is not None and len(password) >= 20, first
    assert "shown only this once" in first

    stored = sqlite3.connect(data / "admin.db").execute(
        "SELECT username, role, password_hash FROM api_admins"
    ).fetchall()
    assert [(u, r) for u, r, _ in stored] == [("admin", "admin")]
    assert password not in stored[0][2], "only the hash is stored"
    assert password not in (tmp_path / "yabot.log").read_text(), "never logged"

    second = _run_once(data, tmp_path)
    assert _password_in(second) is None, "shown only once"
    assert "its password was shown when it was created" in second
    # The account still signs in with the first password: the second run changed nothing.
    settings = load_settings(ROOT / "config.toml", {"YABOT_STORAGE__DATA_DIR": str(data)})
    from yabot.api.admin_store import SqliteAdminStore
    from yabot.security.passwords import verify_password

    store = SqliteAdminStore(settings.storage.data_dir / "admin.db")
    account = store.get_admin("admin")
    store.close()
    assert account is not None and verify_password(password, account.password_hash)


@pytest.mark.parametrize(
    "env",
    [
        {"TELEGRAM_BOT_TOKEN": "123:abc"},
        {"YABOT_SECURITY__PRODUCTION": "true"},
        {"YABOT_API__BOOTSTRAP_ADMIN_PASSWORD": "a bootstrap password"},
    ],
    ids=["token", "production", "bootstrap-password"],
)
def test_no_local_admin_outside_local_play(tmp_path: Path, env: dict[str, str]) -> None:
    settings = load_settings(
        ROOT / "config.toml",
        {"YABOT_STORAGE__DATA_DIR": str(tmp_path), "YABOT_SECURITY__PASSWORD_SCRYPT_LOG2_N": "12",
         **env},
    )
    assert prepare_local_admin(settings) is None
    assert not (tmp_path / "admin.db").exists()


def test_local_admin_is_created_once(tmp_path: Path) -> None:
    settings = load_settings(
        ROOT / "config.toml",
        {"YABOT_STORAGE__DATA_DIR": str(tmp_path), "YABOT_SECURITY__PASSWORD_SCRYPT_LOG2_N": "12"},
    )
    first = prepare_local_admin(settings)
    assert first is not None and first[0] == "admin" and first[1]
    assert prepare_local_admin(settings) == ("admin", None)
