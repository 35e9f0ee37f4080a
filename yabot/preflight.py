"""Start-up checks of what the settings name outside themselves, before anything is served.

`yabot.config` checks the settings' own shape (types, ranges, the time zone). This module
checks what they need together and what they point to: webhook mode has a URL, the story
exists and the ink runtime loads it, ``storage.data_dir`` is (or can be made) a writable
directory, the MongoDB and Redis URIs and the PostgreSQL DSN parse and, when configured,
answer within their timeouts. Each problem is one line in the
style of `yabot.config`'s errors: the key, its environment variable, the value (credentials
masked) and what is allowed. ``yabot run`` and ``yabot check-config`` exit 2 on them.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from yabot.config import ConfigError, Settings
from yabot.ports import bind_error, in_use


def _line(key: str, value: object, problem: str) -> str:
    section, _, name = key.partition(".")
    env = f"YABOT_{section.upper()}__{name.upper()}"
    return f"config error: {key} (env {env}) = {value!r}: {problem}"


def _masked(uri: str) -> str:
    """``uri`` with any password replaced by ``***``."""
    return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", uri)


def check_story(settings: Settings) -> str | None:
    """The configured story has compiled JSON that the ink runtime accepts."""
    from bink.story import Story

    from yabot.narrative.errors import NarrativeError
    from yabot.narrative.library import CompiledStory, compiled_path

    story = settings.story
    if not story.stories_dir.is_dir():
        return _line("story.stories_dir", str(story.stories_dir), "is not a directory")
    path = compiled_path(story.stories_dir, story.story)
    if not path.is_file():
        found = sorted(p.name for p in story.stories_dir.iterdir() if p.is_dir())
        return _line(
            "story.story",
            story.story,
            f"no compiled story at {path} (story folders: {', '.join(found) or 'none'};"
            " compile .ink files with scripts/compile-stories)",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
        CompiledStory.from_json(story.story, text)
        Story(text)
    except (OSError, UnicodeDecodeError, NarrativeError, RuntimeError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        return _line("story.story", story.story, f"{path} does not load: {reason}")
    return None


def check_webhook(settings: Settings) -> str | None:
    """Webhook mode has the URL that ``setWebhook`` registers."""
    telegram = settings.telegram
    if telegram.mode == "webhook" and not telegram.webhook_url:
        return _line(
            "telegram.webhook_url",
            None,
            "webhook mode (telegram.mode = 'webhook') needs the public https:// URL Telegram"
            " posts updates to; set it, or use telegram.mode = 'polling'",
        )
    return None


def check_cluster(settings: Settings) -> str | None:
    """Cluster members share a service secret: they forward admin requests with it."""
    token = settings.api.service_token
    if settings.cluster.enabled and (token is None or not token.get_secret_value()):
        return _line(
            "api.service_token",
            None,
            "cluster mode forwards a player's admin requests to the shard's owner with a service"
            " token: set the same secret (32+ bytes) in YABOT_API__SERVICE_TOKEN on every member",
        )
    return None


def _can_create_in(directory: Path) -> bool:
    """A directory can be made in ``directory``: tried for real (and removed), since
    ``os.access`` says yes to root even where no directory can be made (``/proc``, a
    read-only mount)."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".yabot-preflight-", dir=directory))
    except OSError:
        return False
    return True


def check_data_dir(settings: Settings) -> str | None:
    """``storage.data_dir`` is a writable directory, or can be created as one."""
    data_dir = settings.storage.data_dir
    shown = str(data_dir)
    if data_dir.exists():
        if not data_dir.is_dir():
            return _line("storage.data_dir", shown, "exists and is not a directory")
        if not os.access(data_dir, os.W_OK | os.X_OK) or not _can_create_in(data_dir):
            return _line("storage.data_dir", shown, "is a directory this user cannot write to")
        return None
    parent = data_dir.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if (
        not parent.is_dir()
        or not os.access(parent, os.W_OK | os.X_OK)
        or not _can_create_in(parent)
    ):
        return _line(
            "storage.data_dir",
            shown,
            f"does not exist and cannot be created ({parent} is not a writable directory)",
        )
    return None


def check_encryption_keys(settings: Settings) -> str | None:
    """``security.encryption_keys`` are Fernet keys, and are set in production.

    The same rules as :func:`yabot.security.crypto.load_encryptor`, checked before anything
    starts (and by ``yabot check-config``); the keys are never shown.
    """
    from yabot.security.crypto import ENV_NAME, Encryptor, parse_keys

    secret = settings.security.encryption_keys
    keys = parse_keys(secret.get_secret_value()) if secret is not None else []
    key = f"security.encryption_keys (env {ENV_NAME})"
    if keys:
        try:
            Encryptor(keys)
        except ValueError as exc:
            return f"config error: {key} = <secret>: {str(exc).removeprefix('encryption ')}"
        return None
    if settings.security.production:
        return (
            f"config error: {key} is required when security.production is true; generate one"
            " with `python -c 'from cryptography.fernet import Fernet;"
            " print(Fernet.generate_key().decode())'`"
        )
    return None


def check_mongodb(settings: Settings, probe: bool) -> str | None:
    """``storage.mongodb_uri`` parses and, with ``probe``, the server answers a ping."""
    storage = settings.storage
    if not storage.mongodb_uri:
        return None
    from pymongo.errors import PyMongoError
    from pymongo.uri_parser import parse_uri

    shown = _masked(storage.mongodb_uri)
    try:
        parse_uri(storage.mongodb_uri)
    except (PyMongoError, ValueError) as exc:
        return _line("storage.mongodb_uri", shown, f"not a MongoDB URI ({_masked(str(exc))[:160]})")
    if not probe:
        return None
    from yabot.storage.snapshots.mongo import MongoSnapshotStore

    try:
        store = MongoSnapshotStore.from_settings(storage)
    except ValueError as exc:
        return _line("storage.mongodb_uri", shown, _masked(str(exc))[:200])
    try:
        answered = store.ping()
    finally:
        store.close()
    if not answered:
        return _line(
            "storage.mongodb_uri",
            shown,
            f"no answer within storage.mongodb_timeout_ms={storage.mongodb_timeout_ms};"
            " start MongoDB or unset the key for SQLite snapshots",
        )
    return None


def check_postgres(settings: Settings, probe: bool) -> str | None:
    """With ``storage.backend = "postgres"``: psycopg is installed, the DSN parses and, with
    ``probe``, the server answers within ``storage.postgres_timeout_s``."""
    storage = settings.storage
    if storage.backend != "postgres" or storage.postgres_dsn is None:
        return None  # config.py already refused a postgres backend without a DSN
    dsn = storage.postgres_dsn.get_secret_value()
    shown = re.sub(r"(password\s*=\s*)\S+", r"\1***", _masked(dsn))
    key = "storage.postgres_dsn"
    try:
        import psycopg
        import psycopg_pool  # noqa: F401  # the stores' pool
    except ImportError:
        return _line(key, shown, "psycopg is not installed: pip install 'yabot[cluster]'")
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        return _line(key, shown, f"not a PostgreSQL DSN ({_masked(str(exc))[:160]})")
    if not probe:
        return None
    try:
        with psycopg.connect(dsn, connect_timeout=max(1, int(storage.postgres_timeout_s))) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = _masked(str(exc).strip().splitlines()[0] if str(exc).strip() else "")[:160]
        return _line(
            key,
            shown,
            f"cannot connect within storage.postgres_timeout_s={storage.postgres_timeout_s}"
            f" ({type(exc).__name__}: {reason}); start PostgreSQL or set storage.backend"
            ' = "sqlite"',
        )
    return None


def check_redis(settings: Settings, probe: bool) -> str | None:
    """``events.redis_url`` parses and, with ``probe``, the server answers a PING."""
    events = settings.events
    if not events.redis_url:
        return None
    from redis.connection import parse_url

    shown = _masked(events.redis_url)
    try:
        parse_url(events.redis_url)  # type: ignore[no-untyped-call]
    except ValueError as exc:
        return _line("events.redis_url", shown, f"not a Redis URL ({_masked(str(exc))[:160]})")
    if not probe:
        return None
    from yabot.events.redis_client import redis_from_url

    timeout_s = settings.api.readiness_timeout_s
    client = redis_from_url(
        events.redis_url, tls_ca_file=events.redis_tls_ca_file, timeout_s=timeout_s
    )
    try:
        client.ping()
    except Exception as exc:
        return _line(
            "events.redis_url",
            shown,
            f"no answer within api.readiness_timeout_s={timeout_s}"
            f" ({type(exc).__name__}); start Redis or unset the key to keep events in SQLite",
        )
    finally:
        client.close()
    return None


def check_ports(settings: Settings) -> str | None:
    """The ports ``yabot run`` listens on are free (another YABOT may be running)."""
    telegram = settings.telegram
    wanted = [("api.port", settings.api.host, settings.api.port)]
    if telegram.bot_token is None:
        wanted.append(("telegram.emulator_port", telegram.emulator_host, telegram.emulator_port))
    if telegram.mode == "webhook" and telegram.webhook_port:
        wanted.append(("telegram.webhook_port", settings.api.host, telegram.webhook_port))
    for key, host, port in wanted:
        if port and in_use(bind_error(host, port)):
            return _line(
                key,
                port,
                f"{host}:{port} is already in use (is another yabot running?); stop it or "
                "choose another port",
            )
    return None


def check_startup(settings: Settings, *, probe: bool = True, ports: bool = False) -> None:
    """Run every check; raise one :class:`ConfigError` with a line per problem.

    Args:
        settings: Validated settings.
        probe: Also connect to MongoDB and Redis when they are configured.
        ports: Also check that the ports ``yabot run`` listens on are free.

    Raises:
        ConfigError: At least one check failed.
    """
    checks: list[Callable[[], str | None]] = [
        lambda: check_webhook(settings),
        lambda: check_cluster(settings),
        lambda: check_data_dir(settings),
        lambda: check_encryption_keys(settings),
        lambda: check_story(settings),
        lambda: check_mongodb(settings, probe),
        lambda: check_postgres(settings, probe),
        lambda: check_redis(settings, probe),
        lambda: check_ports(settings) if ports else None,
    ]
    problems = [line for check in checks if (line := check()) is not None]
    if problems:
        raise ConfigError("\n".join(problems))


__all__ = ["check_startup"]
