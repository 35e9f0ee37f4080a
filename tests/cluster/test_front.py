"""The local cluster's webhook front: round robin, a refused connection goes to the next
instance, a silent instance gets a 504 (the sender posts again) and is never sent it twice."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from yabot.cluster.front import Front


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


class Backend:
    """An instance stand-in that records what it was sent (or never answers)."""

    def __init__(self, name: str, hang: bool = False, sick: bool = False) -> None:
        self.name, self.hang, self.bodies = name, hang, []  # type: ignore[var-annotated]
        self.sick = sick  # its health check hangs too (a paused process)

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            self.bodies.append(await request.read())
            if self.hang:
                await asyncio.sleep(2)
            return web.json_response({"by": self.name, "secret": request.headers.get("X-S")})

        async def health(request: web.Request) -> web.Response:
            if self.sick:
                await asyncio.sleep(2)
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post("/telegram/webhook", handle)
        app.router.add_get("/healthz", health)
        return app


@pytest.fixture
async def started() -> AsyncIterator[list[web.AppRunner]]:
    runners: list[web.AppRunner] = []
    yield runners
    for runner in runners:
        await runner.cleanup()


async def test_round_robin_skips_a_refusing_instance_and_504s_a_silent_one(
    started: list[web.AppRunner],
) -> None:
    a, b, silent = Backend("a"), Backend("b"), Backend("silent", hang=True)
    ra, url_a = await _serve(a.app())
    rb, url_b = await _serve(b.app())
    rs, url_s = await _serve(silent.app())
    started += [ra, rb, rs]
    refused = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    front = Front([], timeout_s=0.5)
    front.set_backends([url_a, refused, url_b])
    rf, url_f = await _serve(front.app())
    started.append(rf)
    async with aiohttp.ClientSession() as http:

        async def post(n: int) -> tuple[int, dict[str, str]]:
            async with http.post(
                url_f + "/telegram/webhook", data=str(n).encode(), headers={"X-S": "s3"}
            ) as r:
                return r.status, await r.json()

        answers = [await post(n) for n in range(6)]
        assert all(status == 200 for status, _ in answers)
        assert all(body["secret"] == "s3" for _, body in answers)  # headers go through
        assert len(a.bodies) + len(b.bodies) == 6  # none lost to the refusing one
        assert a.bodies and b.bodies
        view = {v["url"]: v for v in (await (await http.get(url_f + "/_front/backends")).json())}
        # Skipped after refusing a connection, or already for failing its health check.
        assert view[refused]["forwarded"] == 0
        assert view[refused]["refused"] >= 1 or not view[refused]["healthy"]

        # An instance that accepted the request but does not answer: 504, sent nowhere else.
        async with http.put(url_f + "/_front/backends", json=[url_s, url_a]) as r:
            assert r.status == 200
        before = len(a.bodies)
        status, _ = await post(99)
        assert status == 504
        assert silent.bodies == [b"99"] and len(a.bodies) == before

        async with http.put(url_f + "/_front/backends", json="not a list") as r:
            assert r.status == 400


async def test_an_instance_failing_its_health_check_is_sent_nothing_while_others_answer(
    started: list[web.AppRunner],
) -> None:
    a, paused = Backend("a"), Backend("paused", hang=True, sick=True)
    ra, url_a = await _serve(a.app())
    rp, url_p = await _serve(paused.app())
    started += [ra, rp]
    front = Front([], timeout_s=1.5)
    front.set_backends([url_p, url_a])
    rf, url_f = await _serve(front.app())
    started.append(rf)
    async with aiohttp.ClientSession() as http:
        for _ in range(40):  # the first probe times out after PROBE_TIMEOUT_S
            view = await (await http.get(url_f + "/_front/backends")).json()
            if not view[0]["healthy"]:
                break
            await asyncio.sleep(0.1)
        assert [v["healthy"] for v in view] == [False, True]
        for n in range(6):
            async with http.post(url_f + "/telegram/webhook", data=str(n).encode()) as r:
                assert r.status == 200
        assert paused.bodies == [] and len(a.bodies) == 6
