"""The fencing refusal, importable without a database client (the player actor catches it)."""

from __future__ import annotations


class Fenced(RuntimeError):
    """This instance no longer owns the shard (its epoch is stale or its lease expired).

    Nothing was written. The actor keeps the update for later (as for a records store out of
    reach); the shard's next owner applies it from the inbox, and this member passivates the
    shard's actors when its coordinator notices the loss.
    """
