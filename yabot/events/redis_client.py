"""Building the redis-py client the relay and consumers use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def redis_from_url(url: str, *, tls_ca_file: Path | None = None, timeout_s: float = 2.0) -> Any:
    """Return a ``redis.Redis`` for ``url`` that fails fast when Redis is unreachable.

    Short timeouts and no built-in retries (redis-py would otherwise back off for seconds
    per call): the caller's circuit breaker decides when to try again. ``tls_ca_file`` is
    used for ``rediss://`` URLs.
    """
    options: dict[str, Any] = {
        "retry": Retry(NoBackoff(), 0),
        "socket_timeout": timeout_s,
        "socket_connect_timeout": timeout_s,
        "health_check_interval": 30,
    }
    if url.startswith("rediss://") and tls_ca_file is not None:
        options["ssl_ca_certs"] = str(tls_ca_file)
    return redis.Redis.from_url(url, **options)
