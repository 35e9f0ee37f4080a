"""The webhook process loads only what serving the webhook needs (its memory counts in RSS)."""

from __future__ import annotations

import subprocess
import sys


def test_the_webhook_process_loads_no_http_client_or_sender() -> None:
    probe = (
        "import sys, yabot.telegram.webhook_process, yabot.telegram.webhook_server, "
        "yabot.telegram.webhook, yabot.routing, yabot.storage.inbox; "
        "print(sorted(m for m in ('httpx', 'yabot.telegram.sender', 'yabot.telegram.ingress') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
