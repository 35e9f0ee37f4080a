"""Free loopback ports for the local tools: ``scripts/cluster``, its PostgreSQL, the tests."""

from __future__ import annotations

import errno
import random
import socket
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000
_draw = random.SystemRandom()


def _ephemeral_start() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing is bound to right now.

    Drawn at random below the kernel's ephemeral range: a socket that anything else binds to
    port 0 (a client's connection, a server asking the kernel for a port) is given a port from
    that range, so it cannot take this one between this check and the caller's own bind.
    """
    start = _ephemeral_start()
    if start - _LOWEST >= 1_000:
        for _ in range(200):
            port = _draw.randrange(_LOWEST, start)
            with socket.socket() as sock:
                try:
                    sock.bind((host, port))
                except OSError:
                    continue
                return port
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bind_error(host: str, port: int) -> OSError | None:
    """Why a server could not listen on ``host:port`` now (bound as uvicorn binds, with
    ``SO_REUSEADDR``), or None when it could."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc
    return None


def in_use(error: OSError | None) -> bool:
    """Whether ``error`` (from :func:`bind_error`) says another socket holds the port."""
    return error is not None and error.errno == errno.EADDRINUSE


__all__ = ["bind_error", "free_port", "in_use"]
