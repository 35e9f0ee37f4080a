"""The fencing refusal, importable without a database client (the player actor catches it).

Defined next to the stores that raise it (``yabot.storage.lease_source``): one class for the
stores, the coordinator and the actor.
"""

from __future__ import annotations

from yabot.storage.lease_source import Fenced

__all__ = ["Fenced"]
