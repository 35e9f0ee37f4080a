"""The `yabot` command: ``yabot run``, ``yabot emulator``, ``yabot chat``, ``yabot backup`` ..."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from yabot.config import ConfigError, Settings, load_settings


def _settings_or_exit(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None


def _cmd_run(args: argparse.Namespace) -> int:
    from yabot.app import exit_process, run

    exit_process(run(_settings_or_exit(args.config)))


def _cmd_check_config(args: argparse.Namespace) -> int:
    from yabot.preflight import check_startup

    settings = _settings_or_exit(args.config)
    try:
        check_startup(settings)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"config ok: {len(type(settings).model_fields)} sections")
    return 0


def _cmd_emulator(args: argparse.Namespace) -> int:
    from yabot.emulator.server import main as emulator_main

    return emulator_main(_settings_or_exit(args.config), host=args.host, port=args.port)


def _cmd_chat(args: argparse.Namespace) -> int:
    from yabot.emulator.chat import main as chat_main

    return chat_main(
        _settings_or_exit(args.config),
        user_id=args.user,
        name=args.name,
        language=args.lang,
        emulator_url=args.emulator,
    )


def _cmd_backup(args: argparse.Namespace) -> int:
    from yabot.storage.backup import backup, manifest_warnings

    written = backup(_settings_or_exit(args.config), Path(args.path))
    print(f"backup written to {written}")
    for warning in manifest_warnings(written):
        print(f"WARNING: {warning}", file=sys.stderr)
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from yabot.storage.backup import BackupError, restore

    settings = _settings_or_exit(args.config)
    schemas = None
    if settings.storage.backend == "postgres":
        from yabot.pg_schemas import restore_schemas

        schemas = restore_schemas()
    try:
        restore(settings, Path(args.path), schemas)
    except BackupError as exc:  # refused: nothing was changed (a usage error, as config is)
        print(f"yabot restore: {exc}", file=sys.stderr)
        return 2
    print(f"restored from {args.path}")
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from yabot.storage.migrations import migrate_all

    applied = migrate_all(_settings_or_exit(args.config))
    print(f"schema up to date ({applied} migrations applied)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="yabot", description=__doc__)
    parser.add_argument("--config", type=Path, default=None, help="path to config.toml")
    sub = parser.add_subparsers(dest="command", required=True)
    commands: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
        "run": ("start the bot, the admin API and (without a token) the emulator", _cmd_run),
        "check-config": ("validate config.toml and YABOT_* variables", _cmd_check_config),
        "emulator": ("run the local Telegram Bot API emulator", _cmd_emulator),
        "chat": ("play with the bot in the terminal through the emulator", _cmd_chat),
        "backup": ("take an online, consistent backup of every durable store", _cmd_backup),
        "restore": ("restore every durable store from a backup (bot stopped)", _cmd_restore),
        "migrate": ("apply pending schema migrations", _cmd_migrate),
    }
    subparsers = {}
    for name, (help_text, func) in commands.items():
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(func=func)
        subparsers[name] = p
    subparsers["emulator"].add_argument("--host", default=None)
    subparsers["emulator"].add_argument("--port", type=int, default=None)
    subparsers["chat"].add_argument("--user", type=int, default=1001, help="your player id")
    subparsers["chat"].add_argument("--name", default="Player")
    subparsers["chat"].add_argument("--lang", default="en", choices=["en", "es"])
    subparsers["chat"].add_argument("--emulator", default=None, help="emulator base URL")
    subparsers["backup"].add_argument("path")
    subparsers["restore"].add_argument("path")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `yabot` command."""
    from yabot.storage.backup import BackupError
    from yabot.storage.migrations import SchemaTooNew

    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (BackupError, SchemaTooNew) as exc:
        print(f"yabot {args.command}: {exc}", file=sys.stderr)
        return 1
    return result
