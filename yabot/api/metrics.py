"""Prometheus metrics of the admin API (default registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "yabot_api_requests_total",
    "API requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "yabot_api_request_seconds",
    "API request latency in seconds, by route template.",
    ["route"],
)
AUTH_FAILURES = Counter(
    "yabot_api_auth_failures_total",
    "Requests refused with 401 or 403, by reason.",
    ["reason"],
)
LOGIN_FAILURES = Counter(
    "yabot_api_login_failures_total",
    "POST /api/v1/auth/token attempts with bad credentials.",
)
LOGIN_RATE_LIMITED = Counter(
    "yabot_api_login_rate_limited_total",
    "Token requests refused with 429, by the limit hit (username or ip).",
    ["scope"],
)
BODY_TOO_LARGE = Counter(
    "yabot_api_body_too_large_total",
    "API requests refused with 413 because the body exceeded api.max_body_bytes.",
)
UNHANDLED_ERRORS = Counter(
    "yabot_api_unhandled_errors_total",
    "API requests that raised an unexpected exception (answered 500).",
)
DEPENDENCY_UP = Gauge(
    "yabot_dependency_up",
    "1 when the dependency's last readiness check passed, else 0.",
    ["dependency"],
)
