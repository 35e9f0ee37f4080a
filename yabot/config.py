"""Settings: `config.toml`, then `YABOT_*` environment variables, validated at start.

Environment variables name a key as ``YABOT_<SECTION>__<KEY>`` (for example
``YABOT_STORAGE__MONGODB_URI``). Secrets are never read from `config.toml`: they come only
from the environment (``TELEGRAM_BOT_TOKEN``, ``YABOT_TELEGRAM__WEBHOOK_SECRET``,
``YABOT_API__JWT_KEYS``, ``YABOT_SECURITY__ENCRYPTION_KEYS`` ...).
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from yabot.secret_checks import check_secret, parse_jwt_keys

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.toml"
ENV_PREFIX = "YABOT_"
SECRET_KEYS = {
    ("telegram", "bot_token"),
    ("telegram", "webhook_secret"),
    ("api", "jwt_keys"),
    ("api", "bootstrap_admin_password"),
    ("api", "service_token"),
    ("security", "encryption_keys"),
    ("storage", "postgres_dsn"),
}


class ConfigError(Exception):
    """Raised when the configuration is invalid; ``str()`` is one line per problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class RuntimeSettings(_Section):
    """The actor runtime."""

    pool_size: int = Field(4, ge=1, le=512)
    mailbox_limit: int = Field(1000, ge=1)
    messages_per_turn: int = Field(32, ge=1, le=10_000)
    idle_timeout_s: float = Field(900.0, gt=0)
    pack_idle_s: float = Field(30.0, ge=0)
    max_resident: int = Field(200_000, ge=1)
    shards: int = Field(64, ge=1, le=4096)
    restart_max: int = Field(5, ge=0)
    restart_period_s: float = Field(30.0, gt=0)
    restart_backoff_s: float = Field(0.05, ge=0)
    restart_backoff_max_s: float = Field(5.0, ge=0)
    ask_timeout_s: float = Field(5.0, gt=0)
    shutdown_timeout_s: float = Field(5.0, gt=0)
    gc_freeze_every_s: float = Field(10.0, ge=0)
    gc_full_every_s: float = Field(3600.0, gt=0)
    gc_young_every_s: float = Field(0.1, ge=0)
    gil_switch_interval_s: float = Field(0.0005, gt=0, le=1.0)


class StorageSettings(_Section):
    """SQLite files or PostgreSQL, MongoDB and the snapshot writer."""

    backend: Literal["sqlite", "postgres"] = "sqlite"
    postgres_dsn: SecretStr | None = None
    postgres_pool_size: int = Field(8, ge=1, le=512)
    postgres_timeout_s: float = Field(10.0, gt=0)
    data_dir: Path = Path("var")
    mongodb_uri: str | None = None
    mongodb_database: str = "yabot"
    mongodb_pool_size: int = Field(50, ge=1)
    mongodb_timeout_ms: int = Field(2000, ge=1)
    mongodb_tls: bool = False
    mongodb_tls_ca_file: Path | None = None
    snapshot_every_transitions: int = Field(20, ge=1)
    snapshot_every_s: float = Field(60.0, gt=0)
    snapshot_batch_size: int = Field(500, ge=1)
    snapshot_linger_s: float = Field(1.0, gt=0)
    sqlite_busy_timeout_ms: int = Field(5000, ge=0)
    records_group_commit: bool = True
    inbox_dedupe_retention_s: float = Field(172_800.0, ge=172_800.0)
    snapshot_breaker_failures: int = Field(3, ge=1)
    snapshot_breaker_reset_s: float = Field(5.0, gt=0)

    @field_validator("postgres_dsn")
    @classmethod
    def _postgres_has_a_dsn(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        dsn = value.get_secret_value() if value else ""
        if info.data.get("backend") == "postgres" and not dsn:
            raise ValueError(
                'storage.backend = "postgres" needs the DSN in YABOT_STORAGE__POSTGRES_DSN'
                " (environment only: it may hold a password)"
            )
        if dsn and not dsn.startswith(("postgresql://", "postgres://")) and "=" not in dsn:
            raise ValueError("neither a postgresql:// URI nor key=value pairs")
        return value


class EventsSettings(_Section):
    """The transactional outbox and its relay to Redis."""

    redis_url: str | None = None
    redis_tls_ca_file: Path | None = None
    stream: str = "yabot:events"
    stream_maxlen: int = Field(1_000_000, ge=1000)
    pubsub_channel: str = "yabot:events:live"
    relay_batch_size: int = Field(500, ge=1)
    relay_interval_s: float = Field(0.2, gt=0)
    relay_linger_s: float = Field(0.05, ge=0, le=5)
    outbox_disk_budget_mb: int = Field(256, ge=1)
    outbox_retention_s: float = Field(3600.0, gt=0)
    relay_breaker_failures: int = Field(3, ge=1)
    relay_breaker_reset_s: float = Field(2.0, gt=0)


class TelegramSettings(_Section):
    """Ingress, the sender and the local emulator."""

    bot_token: SecretStr | None = None
    mode: Literal["polling", "webhook"] = "polling"
    api_base: str | None = None
    webhook_url: str | None = Field(None, pattern=r"^https?://[^\s/?#]+[^\s]*$")
    webhook_secret: SecretStr | None = None
    webhook_path: str = "/telegram/webhook"
    webhook_port: int = Field(0, ge=0, le=65535)
    webhook_process: bool = True
    sender_in_webhook_process: bool = True
    allowed_updates: list[str] = Field(
        default_factory=lambda: ["message", "callback_query", "pre_checkout_query"]
    )
    polling_timeout_s: int = Field(25, ge=0, le=50)
    max_body_bytes: int = Field(256 * 1024, ge=1024)
    global_rate_per_s: float = Field(30.0, gt=0)
    chat_rate_per_s: float = Field(1.0, gt=0)
    chat_burst: int = Field(3, ge=1)
    group_rate_per_min: float = Field(20.0, gt=0)
    send_queue_limit: int = Field(100_000, ge=1)
    retry_base_s: float = Field(0.5, gt=0)
    retry_max_s: float = Field(30.0, gt=0)
    breaker_failures: int = Field(5, ge=1)
    breaker_reset_s: float = Field(10.0, gt=0)
    request_timeout_s: float = Field(10.0, gt=0)
    emulator_host: str = "127.0.0.1"
    emulator_port: int = Field(8081, ge=0, le=65535)


class ApiSettings(_Section):
    """The admin HTTP API."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    jwt_issuer: str = "yabot"
    jwt_audience: str = "yabot-admin"
    access_token_ttl_s: int = Field(900, ge=30, le=86_400)
    jwt_keys: SecretStr | None = None
    bootstrap_admin_user: str = "admin"
    bootstrap_admin_password: SecretStr | None = None
    service_token: SecretStr | None = None
    service_audience: str = "yabot-internal"
    login_window_s: float = Field(60.0, gt=0)
    login_attempts_per_user: int = Field(10, ge=1)
    login_attempts_per_ip: int = Field(30, ge=1)
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    readiness_timeout_s: float = Field(2.0, gt=0)
    min_password_length: int = Field(12, ge=8, le=128)
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or CIDR network"
                    " (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)"
                ) from None
        return value

    @field_validator("jwt_keys", mode="before")
    @classmethod
    def _jwt_keys_as_text(cls, value: Any) -> Any:
        # The environment overlay parses a JSON object; keep it as one secret string.
        return json.dumps(value) if isinstance(value, (dict, list)) else value

    @field_validator("jwt_keys")
    @classmethod
    def _jwt_keys_valid(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            parse_jwt_keys(value.get_secret_value())
        return value

    @field_validator("service_token")
    @classmethod
    def _service_token_valid(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            check_secret(value.get_secret_value())
        return value


class SecuritySettings(_Section):
    """Encryption at rest, password hashing and production strictness."""

    encryption_keys: SecretStr | None = None
    production: bool = False
    password_scrypt_log2_n: int = Field(15, ge=10, le=20)


class StorySettings(_Section):
    """Stories and their languages."""

    stories_dir: Path = Path("stories")
    story: str = "diana"
    default_language: Literal["en", "es"] = "en"
    max_message_chars: int = Field(4000, ge=100, le=4096)


class EmotionSettings(_Section):
    """The emotional signature's decay and thresholds (yabot.emotion.SignatureParams)."""

    archetype_half_life_days: float = Field(21.0, gt=0)
    interaction_half_life: float = Field(200.0, gt=0)
    resonance_half_life_days: float = Field(30.0, gt=0)
    mood_half_life_hours: float = Field(12.0, gt=0)
    session_gap_minutes: float = Field(30.0, gt=0)
    dominant_min_confidence: float = Field(0.35, ge=0, le=1)
    history_size: int = Field(4, ge=1, le=32)
    response_window: int = Field(9, ge=3, le=99)
    pause_after_s: float = Field(3600.0, gt=0)


class MissionSpec(_Section):
    """A mission (``weekly``: part of the rotating weekly pool) or an achievement (once ever).

    ``kind`` is what is counted: ``scenes``, ``choices``, ``daily_claims``, ``purchases``
    (counted events), ``daily_streak`` or ``chapter`` (reached values), or ``archetype``
    (the signature's dominant archetype equals ``archetype``).
    """

    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    title_en: str = Field(min_length=1, max_length=80)
    title_es: str = Field(min_length=1, max_length=80)
    kind: Literal[
        "scenes", "choices", "daily_claims", "purchases", "daily_streak", "chapter", "archetype"
    ]
    target: int = Field(1, ge=1)
    archetype: str | None = None
    reward: int = Field(ge=0)
    weekly: bool = False


class StoreItemSpec(_Section):
    """Something the store sells: an ``item`` (kept; the story checks it with ``has_item``)
    or a ``hint`` (shown on purchase, can be bought again)."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    title_en: str = Field(min_length=1, max_length=60)
    title_es: str = Field(min_length=1, max_length=60)
    price: int = Field(ge=1)
    kind: Literal["item", "hint"] = "item"
    text_en: str = Field("", max_length=1000)
    text_es: str = Field("", max_length=1000)


class EconomySettings(_Section):
    """Besitos, daily rewards, missions and the store."""

    timezone: str = "UTC"
    daily_reset_hour: int = Field(0, ge=0, le=23)
    daily_base_reward: int = Field(10, ge=0)
    daily_streak_bonus: int = Field(5, ge=0)
    daily_streak_cap: int = Field(7, ge=1)
    wallet_movements: int = Field(5, ge=1, le=20)
    weekly_missions: int = Field(2, ge=0)
    missions: list[MissionSpec] = Field(default_factory=list)
    store: list[StoreItemSpec] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "not a time zone of the IANA database (e.g. UTC, Europe/Madrid)"
            ) from None
        return value


class TierSpec(_Section):
    """A paid tier besides ``vip``; every paid tier unlocks the VIP chapters and channel."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    title: str = Field(min_length=1, max_length=32)
    price_stars: int = Field(ge=1, le=10000)
    period_days: int = Field(ge=1)


class SubscriptionSettings(_Section):
    """VIP tiers and payments in Telegram Stars."""

    vip_price_stars: int = Field(250, ge=1)
    vip_period_days: int = Field(30, ge=1)
    vip_channel_id: int = -1001000000001
    reminder_days_before: list[int] = Field(default_factory=lambda: [3, 1])
    extra_tiers: list[TierSpec] = Field(default_factory=list)
    vip_chapters: list[int] = Field(default_factory=lambda: [4, 5, 6, 7, 8, 9, 10])
    admin_user_ids: list[int] = Field(default_factory=list)
    sweep_interval_s: float = Field(30.0, gt=0)


class LoggingSettings(_Section):
    """structlog output."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_logs: bool = True


class ClusterSettings(_Section):
    """Cluster mode: several instances share the players' shards on PostgreSQL."""

    enabled: bool = False
    lease_timeout_s: float = Field(10.0, ge=1.0, le=600.0)
    member_url: str = ""  # where the other instances reach this one's admin API
    member_id: str = ""  # unique per instance; host:pid:random when empty


class Settings(_Section):
    """All of YABOT's settings."""

    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)  # type: ignore[arg-type]
    storage: StorageSettings = Field(default_factory=StorageSettings)  # type: ignore[arg-type]
    events: EventsSettings = Field(default_factory=EventsSettings)  # type: ignore[arg-type]
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)  # type: ignore[arg-type]
    api: ApiSettings = Field(default_factory=ApiSettings)  # type: ignore[arg-type]
    security: SecuritySettings = Field(default_factory=SecuritySettings)  # type: ignore[arg-type]
    story: StorySettings = Field(default_factory=StorySettings)  # type: ignore[arg-type]
    economy: EconomySettings = Field(default_factory=EconomySettings)  # type: ignore[arg-type]
    emotion: EmotionSettings = Field(default_factory=EmotionSettings)  # type: ignore[arg-type]
    subscriptions: SubscriptionSettings = Field(default_factory=SubscriptionSettings)  # type: ignore[arg-type]
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _cluster_needs_postgres(self) -> Settings:
        if self.cluster.enabled and self.storage.backend != "postgres":
            raise ValueError(
                'cluster.enabled needs storage.backend = "postgres" (the shared stores) and'
                " YABOT_STORAGE__POSTGRES_DSN"
            )
        return self

    @model_validator(mode="after")
    def _ports_differ(self) -> Settings:
        port = self.telegram.webhook_port
        if port and port == self.api.port:
            raise ValueError(
                f"telegram.webhook_port (env YABOT_TELEGRAM__WEBHOOK_PORT) = {port} is also"
                " api.port: the webhook server needs a port of its own (0 serves the webhook"
                " on api.port with the admin API)"
            )
        return self


def _env_value(raw: str) -> Any:
    stripped = raw.strip()
    if stripped[:1] in "[{":
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return raw
    return raw


def _overlay_env(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        data.setdefault(section, {})
        if isinstance(data[section], dict):
            data[section][key] = _env_value(raw)
    token = environ.get("TELEGRAM_BOT_TOKEN")
    if token:
        data.setdefault("telegram", {})["bot_token"] = token


def _unknown(path: list[str]) -> str:
    """What an ``extra_forbidden`` error at ``path`` means, with the likely intended name."""
    if len(path) == 1:
        names = list(Settings.model_fields)
        close = difflib.get_close_matches(path[0], names, n=1, cutoff=0.75)
        return "unknown section" + (f" (did you mean [{close[0]}]?)" if close else "")
    field_info = Settings.model_fields.get(path[0])
    model = field_info.annotation if field_info is not None else None
    names = list(getattr(model, "model_fields", {})) if len(path) == 2 else []
    close = difflib.get_close_matches(path[1], names, n=1, cutoff=0.75)
    return "unknown key" + (f" (did you mean {path[0]}.{close[0]}?)" if close else "")


def _describe(error: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    path = [str(p) for p in error.get("loc", ())]
    if not path:  # a check across sections; its message names the keys
        return f"config error: {str(error.get('msg', 'invalid')).removeprefix('Value error, ')}"
    if error.get("type") == "extra_forbidden" and len(path) == 1:
        return f"config error: {path[0]}: {_unknown(path)}"
    key = ".".join(path)
    value: Any = data
    for part in error.get("loc", ()):
        value = value.get(part, None) if isinstance(value, Mapping) else None
    shown = "<secret>" if tuple(path[:2]) in SECRET_KEYS else repr(value)
    env = ENV_PREFIX + "__".join(p.upper() for p in path[:2]) if len(path) >= 2 else ""
    hint = f" (env {env})" if env else ""
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = _unknown(path)
    return f"config error: {key}{hint} = {shown}: {message}"


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `config.toml`, overlay ``YABOT_*`` variables and validate.

    Args:
        path: The TOML file; defaults to ``YABOT_CONFIG`` or the repository's `config.toml`.
            A named file (``path`` or ``YABOT_CONFIG``) must exist; only the repository's
            default may be missing (then every key has its default).
        environ: The environment to read; defaults to ``os.environ``.

    Returns:
        The validated settings.

    Raises:
        ConfigError: One line per invalid key, naming the key, the value and what is allowed.
    """
    env = os.environ if environ is None else environ
    named = path or (Path(env["YABOT_CONFIG"]) if env.get("YABOT_CONFIG") else None)
    config_path = named or DEFAULT_CONFIG_PATH
    data: dict[str, Any] = {}
    if named is not None and not config_path.is_file():
        source = "--config" if path is not None else "YABOT_CONFIG"
        problem = "is not a file" if config_path.exists() else "does not exist"
        raise ConfigError(
            f"config error: {source} = {str(config_path)!r}: {problem} (name a config.toml,"
            " or leave it unset for the defaults)"
        )
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"config error: {config_path} is not valid TOML: {message}") from None
        except OSError as exc:
            raise ConfigError(
                f"config error: {config_path} cannot be read: {exc.strerror or exc}"
            ) from None
    for section, key in SECRET_KEYS:
        if isinstance(data.get(section), dict) and data[section].get(key) not in (None, ""):
            raise ConfigError(
                f"config error: {section}.{key} must come from the environment "
                f"({ENV_PREFIX}{section.upper()}__{key.upper()}), not from {config_path.name}"
            )
    _overlay_env(data, env)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(err, data) for err in exc.errors()]
        raise ConfigError("\n".join(lines)) from None
