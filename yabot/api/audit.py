"""The audit-log helper every admin action calls: who, what, target, when."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from yabot.api.admin_store import AdminStore, AuditEntry
from yabot.api.auth import Principal
from yabot.observability.logging import get_logger

log = get_logger(__name__)


class Auditor:
    """Records admin actions in the store's audit log (off the event loop) and logs them.

    Never put secrets, tokens or players' free text in ``details``.
    """

    def __init__(self, store: AdminStore) -> None:
        self._store = store

    async def record(
        self,
        principal: Principal,
        action: str,
        target: str,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Record that ``principal`` did ``action`` to ``target``.

        Args:
            principal: The caller (its role is stored in the details).
            action: Dotted verb, e.g. ``"accounts.create"``.
            target: What was acted on, e.g. a username or ``"user:42"``.
            details: Extra JSON-serialisable facts (no secrets, no free text).

        Returns:
            The stored entry.
        """
        merged: dict[str, Any] = {"role": principal.role, **(details or {})}
        if principal.via is not None:
            merged["forwarded_by"] = principal.via  # the member; ``who`` stays the caller
        return await self.record_as(principal.subject, action, target, merged)

    async def record_as(
        self, who: str, action: str, target: str, details: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        """Record an action by ``who`` (e.g. ``"system"`` for the bootstrap)."""
        entry = await run_in_threadpool(
            self._store.record_audit, who, action, target, dict(details or {})
        )
        log.info("audit", audit_id=entry.id, who=who, action=action, target=target)
        return entry
