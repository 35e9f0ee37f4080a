"""free_port: a port no socket bound to port 0 elsewhere can be given meanwhile."""

from __future__ import annotations

import socket
from pathlib import Path

from yabot.ports import free_port


def test_a_free_port_is_below_the_ephemeral_range_and_can_be_bound() -> None:
    start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(20)}
    assert all(10_000 <= port < start for port in ports)
    assert len(ports) > 1, "drawn at random, not one port for every caller"
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
