"""YABOT: interactive-story Telegram bots with per-player actors."""

__version__ = "0.1.0"
