"""Benchmark of the admin API's security costs, all measured in one run.

Rows: scrypt hashing at the default cost, JWT issue/verify, Fernet encrypt/decrypt of an
emotional signature, in-process HTTP calls with and without token verification, and /healthz
latency while scrypt logins run concurrently (shows that hashing stays off the event loop).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import structlog

from yabot.api.admin_store import SqliteAdminStore
from yabot.api.app import ApiDeps, create_api
from yabot.config import Settings
from yabot.security.crypto import Encryptor
from yabot.security.passwords import hash_password, verify_password

SECRET = "bench-secret-0123456789-abcdefghijklmnop"
PASSWORD = "bench password 1234"
SIGNATURE = {
    "empathy": 7,
    "curiosity": -2,
    "trust": 3,
    "fear": 1,
    "joy": 4,
    "history": list(range(20)),
}


def _per_op_us(fn: Callable[[], object], reps: int) -> float:
    started = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - started) / reps * 1e6


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _http_rows(app: object, token: str, requests: int) -> dict[str, float]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        auth = {"Authorization": f"Bearer {token}"}
        rates: dict[str, list[float]] = {"healthz": [], "whoami": []}
        for _ in range(3):  # interleaved rounds; the median of each is reported
            for name, path, headers in (
                ("healthz", "/healthz", {}),
                ("whoami", "/api/v1/auth/whoami", auth),
            ):
                started = time.perf_counter()
                for _ in range(requests):
                    response = await client.get(path, headers=headers)
                    assert response.status_code == 200
                rates[name].append(requests / (time.perf_counter() - started))
        rows = {name: statistics.median(values) for name, values in rates.items()}

        async def healthz_latencies(n: int) -> list[float]:
            out = []
            for _ in range(n):
                t = time.perf_counter()
                await client.get("/healthz")
                out.append((time.perf_counter() - t) * 1000)
            return out

        quiet = await healthz_latencies(500)
        stop = asyncio.Event()
        logins = 0

        async def login_loop() -> None:
            nonlocal logins
            while not stop.is_set():
                r = await client.post(
                    "/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}
                )
                assert r.status_code == 200, r.text
                logins += 1

        workers = [asyncio.create_task(login_loop()) for _ in range(4)]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        busy = await healthz_latencies(500)
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*workers)
        rows.update(
            quiet_p50=_pct(quiet, 0.5),
            quiet_p99=_pct(quiet, 0.99),
            busy_p50=_pct(busy, 0.5),
            busy_p99=_pct(busy, 0.99),
            logins_per_s=logins / elapsed,
        )
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))

    scrypt_ms = statistics.median(
        _per_op_us(lambda: hash_password(PASSWORD), 1) / 1000 for _ in range(10)
    )
    encoded = hash_password(PASSWORD)
    verify_ms = _per_op_us(lambda: verify_password(PASSWORD, encoded), 10) / 1000

    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteAdminStore(Path(tmp) / "admin.sqlite3")
        store.create_admin("bench", hash_password(PASSWORD), "admin")
        settings = Settings.model_validate(
            {
                "api": {
                    "jwt_keys": json.dumps({"k1": SECRET}),
                    "service_token": SECRET,
                    "login_attempts_per_user": 10**9,
                    "login_attempts_per_ip": 10**9,
                },
            }
        )
        app = create_api(settings, ApiDeps(admin_store=store))
        tokens = app.state.token_service
        token = tokens.issue_access_token("bench", "admin").token
        issue_us = statistics.median(
            _per_op_us(lambda: tokens.issue_access_token("bench", "admin"), 2000) for _ in range(3)
        )
        verify_us = statistics.median(
            _per_op_us(lambda: tokens.verify(token), 2000) for _ in range(3)
        )
        enc = Encryptor([b"dGhpcy1pcy1hLTMyLWJ5dGUta2V5LWZvci10ZXN0cyE="])
        blob = enc.encrypt_json(SIGNATURE)
        encrypt_us = _per_op_us(lambda: enc.encrypt_json(SIGNATURE), 5000)
        decrypt_us = _per_op_us(lambda: enc.decrypt_json(blob), 5000)
        http = asyncio.run(_http_rows(app, token, args.requests))
        store.close()

    print(f"scrypt hash (ln=15,r=8,p=1)      {scrypt_ms:8.1f} ms   verify {verify_ms:.1f} ms")
    print(f"JWT issue                         {issue_us:8.1f} us")
    print(f"JWT verify                        {verify_us:8.1f} us")
    print(f"Fernet encrypt_json ({len(json.dumps(SIGNATURE))} B)      {encrypt_us:8.1f} us")
    print(f"Fernet decrypt_json               {decrypt_us:8.1f} us")
    print(f"GET /healthz (in-process)         {http['healthz']:8.0f} req/s")
    print(
        f"GET /api/v1/auth/whoami (JWT)     {http['whoami']:8.0f} req/s "
        f"({http['whoami'] / http['healthz']:.2f}x healthz)"
    )
    print(
        f"/healthz latency quiet            p50 {http['quiet_p50']:.2f} ms  "
        f"p99 {http['quiet_p99']:.2f} ms"
    )
    print(
        f"/healthz latency, 4 logins looping p50 {http['busy_p50']:.2f} ms  "
        f"p99 {http['busy_p99']:.2f} ms  ({http['logins_per_s']:.1f} logins/s)"
    )


if __name__ == "__main__":
    main()
