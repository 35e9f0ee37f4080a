"""Each start-up mistake, through the real CLI in a subprocess: one line on stderr naming the
key, the value and what is allowed; exit 2; no traceback; nothing served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from yabot.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def yabot(
    tmp_path: Path, env: dict[str, str], *args: str, command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YABOT_") and k != "TELEGRAM_BOT_TOKEN"
    }
    base |= {
        "YABOT_CONFIG": str(ROOT / "config.toml"),
        "YABOT_STORAGE__DATA_DIR": str(tmp_path / "data"),
        "YABOT_API__PORT": str(free_port()),
        "YABOT_TELEGRAM__EMULATOR_PORT": str(free_port()),
        "YABOT_STORAGE__MONGODB_TIMEOUT_MS": "300",
        "YABOT_API__READINESS_TIMEOUT_S": "0.3",
    }
    cmd = command or [sys.executable, "-m", "yabot", *args]
    return subprocess.run(
        cmd, env=base | env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def a_file(tmp_path: Path) -> str:
    path = tmp_path / "not-a-dir"
    path.write_text("x")
    return str(path)


MISTAKES = {
    "unknown story": (
        lambda t: {"YABOT_STORY__STORY": "nope"},
        "config error: story.story (env YABOT_STORY__STORY) = 'nope': no compiled story at",
    ),
    "story that does not load": (
        lambda t: {"YABOT_STORY__STORY": "broken", "YABOT_STORY__STORIES_DIR": broken_story(t)},
        "config error: story.story (env YABOT_STORY__STORY) = 'broken':",
    ),
    "bad time zone": (
        lambda t: {"YABOT_ECONOMY__TIMEZONE": "Mars/Olympus"},
        "config error: economy.timezone (env YABOT_ECONOMY__TIMEZONE) = 'Mars/Olympus': not a"
        " time zone",
    ),
    "mongo uri that does not parse": (
        lambda t: {"YABOT_STORAGE__MONGODB_URI": "http://db:27017"},
        "config error: storage.mongodb_uri (env YABOT_STORAGE__MONGODB_URI) = 'http://db:27017':"
        " not a MongoDB URI",
    ),
    "mongo that does not answer (password masked)": (
        lambda t: {"YABOT_STORAGE__MONGODB_URI": f"mongodb://u:hunter2@127.0.0.1:{free_port()}"},
        "config error: storage.mongodb_uri (env YABOT_STORAGE__MONGODB_URI) = 'mongodb://u:***@",
    ),
    "redis url that does not parse": (
        lambda t: {"YABOT_EVENTS__REDIS_URL": "http://cache:6379"},
        "config error: events.redis_url (env YABOT_EVENTS__REDIS_URL) = 'http://cache:6379':"
        " not a Redis URL",
    ),
    "redis that does not answer": (
        lambda t: {"YABOT_EVENTS__REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"},
        "config error: events.redis_url (env YABOT_EVENTS__REDIS_URL) = 'redis://127.0.0.1:",
    ),
    "webhook mode without a url": (
        lambda t: {"YABOT_TELEGRAM__MODE": "webhook"},
        "config error: telegram.webhook_url (env YABOT_TELEGRAM__WEBHOOK_URL) = None: webhook mode",
    ),
    "data_dir that is a file": (
        lambda t: {"YABOT_STORAGE__DATA_DIR": a_file(t)},
        "config error: storage.data_dir (env YABOT_STORAGE__DATA_DIR) = ",
    ),
    "data_dir under a file": (
        lambda t: {"YABOT_STORAGE__DATA_DIR": a_file(t) + "/var"},
        "config error: storage.data_dir (env YABOT_STORAGE__DATA_DIR) = ",
    ),
    "data_dir that cannot be created (even by root)": (
        lambda t: {"YABOT_STORAGE__DATA_DIR": "/proc/yabot-no-such-dir/var"},
        "config error: storage.data_dir (env YABOT_STORAGE__DATA_DIR) = '/proc/yabot-no-such-dir"
        "/var': does not exist and cannot be created",
    ),
    "encryption key that is not a Fernet key": (
        lambda t: {"YABOT_SECURITY__ENCRYPTION_KEYS": "hunter2"},
        "config error: security.encryption_keys (env YABOT_SECURITY__ENCRYPTION_KEYS) = <secret>:"
        " key #1 is not a valid Fernet key",
    ),
    "production without encryption keys": (
        lambda t: {"YABOT_SECURITY__PRODUCTION": "true", "TELEGRAM_BOT_TOKEN": "1:x"},
        "config error: security.encryption_keys (env YABOT_SECURITY__ENCRYPTION_KEYS) is required"
        " when security.production is true",
    ),
    "missing YABOT_CONFIG file": (
        lambda t: {"YABOT_CONFIG": str(t / "nope.toml")},
        "config error: YABOT_CONFIG = ",
    ),
    "untrusted proxy entry": (
        lambda t: {"YABOT_API__TRUSTED_PROXIES": '["10.0.0.0/33"]'},
        "config error: api.trusted_proxies (env YABOT_API__TRUSTED_PROXIES) = ['10.0.0.0/33']",
    ),
}


def broken_story(tmp_path: Path) -> str:
    compiled = tmp_path / "stories" / "broken" / "compiled"
    compiled.mkdir(parents=True)
    (compiled / "broken.json").write_text('{"inkVersion": 21, "root": "not ink"}')
    return str(tmp_path / "stories")


def assert_one_line(
    done: subprocess.CompletedProcess[str], expected: str, ignore: str | None = None
) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stdout + done.stderr
    lines = [
        line
        for line in done.stderr.strip().splitlines()
        if ignore is None or not line.startswith(ignore)
    ]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(expected), lines[0]
    assert "hunter2" not in done.stdout + done.stderr


@pytest.mark.parametrize("command", ["check-config", "run"])
@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_start_up_mistake_is_one_line_and_exit_2(
    tmp_path: Path, mistake: str, command: str
) -> None:
    env, expected = MISTAKES[mistake]
    done = yabot(tmp_path, env(tmp_path), command)
    assert_one_line(done, expected)
    assert "yabot.running" not in done.stdout
    assert "Stop with Ctrl+C" not in done.stdout, "nothing is served, no banner"


def test_a_missing_config_flag_file_is_one_line(tmp_path: Path) -> None:
    done = yabot(tmp_path, {}, "--config", str(tmp_path / "gone.toml"), "check-config")
    assert_one_line(done, "config error: --config = ")


def test_scripts_run_says_the_same(tmp_path: Path) -> None:
    done = yabot(
        tmp_path,
        {"YABOT_STORAGE__DATA_DIR": a_file(tmp_path)},
        command=["bash", str(ROOT / "scripts" / "run")],
    )
    # scripts/run may first say "==> preparing .venv ..." when pyproject.toml changed.
    assert_one_line(
        done, "config error: storage.data_dir (env YABOT_STORAGE__DATA_DIR) = ", ignore="==> "
    )


@pytest.mark.parametrize("key", ["YABOT_API__PORT", "YABOT_TELEGRAM__EMULATOR_PORT"])
def test_a_port_in_use_is_one_line(tmp_path: Path, key: str) -> None:
    """A second `scripts/run` died with a traceback ("RuntimeError: the emulator did not
    start"), or printed "YABOT is running" and exited 3 when the API's port was taken."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        done = yabot(tmp_path, {key: port}, "run")
    name = key.removeprefix("YABOT_").lower().replace("__", ".")
    assert_one_line(done, f"config error: {name} (env {key}) = {port}: 127.0.0.1:{port} is already")
    assert "YABOT is running" not in done.stdout


def test_a_good_configuration_passes(tmp_path: Path) -> None:
    done = yabot(tmp_path, {}, "check-config")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("config ok")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("pool_size = ", "pool_sise = "),
            "config error: runtime.pool_sise (env YABOT_RUNTIME__POOL_SISE) = 4: unknown key"
            " (did you mean runtime.pool_size?)",
        ),
        (
            ("[runtime]", "[runtim]"),
            "config error: runtim: unknown section (did you mean [runtime]?)",
        ),
    ],
)
def test_a_typo_in_config_toml_names_what_was_meant(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    """A misspelt key or section: one short line that says what was probably meant (a
    misspelt section used to print the whole section's dict)."""
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text().replace(*edit, 1))
    done = yabot(tmp_path, {"YABOT_CONFIG": str(config)}, "check-config")
    assert_one_line(done, expected)
    assert len(done.stderr.strip()) < 200, done.stderr


def test_a_second_run_on_the_same_data_dir_is_one_line(tmp_path: Path) -> None:
    """Two `yabot run` on one data_dir (other ports) both served: two actors for a player,
    two writers of its snapshots and records, each pruning the other's inbox entries."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YABOT_") and k != "TELEGRAM_BOT_TOKEN"
    }
    first = subprocess.Popen(
        [sys.executable, "-m", "yabot", "run"],
        env=base
        | {
            "YABOT_CONFIG": str(ROOT / "config.toml"),
            "YABOT_STORAGE__DATA_DIR": str(tmp_path / "data"),
            "YABOT_API__PORT": str(free_port()),
            "YABOT_TELEGRAM__EMULATOR_PORT": str(free_port()),
            "YABOT_LOGGING__LEVEL": "WARNING",
        },
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert first.stdout is not None
        for line in first.stdout:  # the banner's last line: it serves
            if "Stop with Ctrl+C" in line:
                break
        assert first.poll() is None, "the first bot runs"
        second = yabot(tmp_path, {}, "run")
        assert_one_line(second, "config error: storage.data_dir (env YABOT_STORAGE__DATA_DIR) = ")
        assert "another yabot run" in second.stderr
        assert "Stop with Ctrl+C" not in second.stdout
        assert first.poll() is None, "the first bot still runs"
    finally:
        first.terminate()
        first.wait(timeout=30)
    again = yabot(tmp_path, {}, "check-config")  # the lock went with the first bot
    assert again.returncode == 0, again.stderr


def test_a_data_dir_without_flock_serves_unlocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system that has no flock (some network mounts): no lock, no traceback."""
    import errno

    from yabot import app
    from yabot.config import Settings

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(app.fcntl, "flock", no_locks)
    settings = Settings.model_validate({"storage": {"data_dir": str(tmp_path / "data")}})
    os.close(app.hold_data_dir(settings))
