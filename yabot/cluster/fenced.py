"""The fencing refusal, importable without a database client (the player actor catches it).

It is defined once, with the stores' lease protocol, in :mod:`yabot.storage.lease_source`.
"""

from __future__ import annotations

from yabot.storage.lease_source import Fenced

__all__ = ["Fenced"]
