"""Bot API errors in Telegram's wire format, and the counter of every rejection."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter

REJECTIONS = Counter(
    "yabot_emulator_rejections_total",
    "Bot API calls the emulator refused, by method and reason",
    ["method", "reason"],
)


class BotApiError(Exception):
    """An error answered as ``{"ok": false, "error_code": ..., "description": ...}``.

    Args:
        code: The HTTP status and ``error_code`` (400, 401, 403, 404, 409, 429, 5xx).
        description: Telegram's description, e.g. ``"Bad Request: chat not found"``.
        retry_after: Seconds to wait, sent as ``parameters.retry_after`` on 429.
        reason: A short label for the rejection metric.
    """

    def __init__(
        self, code: int, description: str, retry_after: int | None = None, reason: str = ""
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.reason = reason or description.split(":", 1)[-1].strip()[:40]

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would answer."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str, reason: str = "") -> BotApiError:
    """Return a 400 ``Bad Request: <detail>`` error."""
    return BotApiError(400, f"Bad Request: {detail}", reason=reason)


def forbidden(detail: str) -> BotApiError:
    """Return a 403 ``Forbidden: <detail>`` error."""
    return BotApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int, reason: str = "flood") -> BotApiError:
    """Return Telegram's 429 with ``parameters.retry_after``."""
    return BotApiError(
        429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after, reason=reason
    )
