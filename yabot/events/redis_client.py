"""Building the redis-py client the relay and consumers use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis


def redis_from_url(url: str, *, tls_ca_file: Path | None = None, timeout_s: float = 2.0) -> Any:
    """Return a ``redis.Redis`` for ``url`` with short timeouts (an outage must fail fast).

    ``tls_ca_file`` is used for ``rediss://`` URLs.
    """
    options: dict[str, Any] = {
        "socket_timeout": timeout_s,
        "socket_connect_timeout": timeout_s,
        "health_check_interval": 30,
    }
    if url.startswith("rediss://") and tls_ca_file is not None:
        options["ssl_ca_certs"] = str(tls_ca_file)
    return redis.Redis.from_url(url, **options)
