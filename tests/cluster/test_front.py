"""The local cluster's webhook front: round robin, a refused connection goes to the next
instance, a silent instance gets a 504 (the sender posts again) and is never sent it twice;
what goes through (headers, query, status, Retry-After) and the limits of its HTTP server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from yabot.cluster import front as front_module
from yabot.cluster.front import Front
from yabot.telegram.http_head import MAX_HEAD_BYTES


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


@pytest.fixture
async def fronts() -> AsyncIterator[list[Front]]:
    started: list[Front] = []
    yield started
    for front in started:
        await front.stop()


async def _front(fronts: list[Front], urls: list[str], timeout_s: float) -> tuple[Front, str]:
    front = Front([], timeout_s=timeout_s)
    front.set_backends(urls)
    port = await front.start("127.0.0.1", 0)
    fronts.append(front)
    return front, f"http://127.0.0.1:{port}"


async def test_round_robin_skips_a_refusing_instance_and_504s_a_silent_one(
    started: list[web.AppRunner], fronts: list[Front]
) -> None:
    a, b, silent = Backend("a"), Backend("b"), Backend("silent", hang=True)
    ra, url_a = await _serve(a.app())
    rb, url_b = await _serve(b.app())
    rs, url_s = await _serve(silent.app())
    started += [ra, rb, rs]
    refused = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    _, url_f = await _front(fronts, [url_a, refused, url_b], timeout_s=0.5)
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
    started: list[web.AppRunner], fronts: list[Front]
) -> None:
    a, paused = Backend("a"), Backend("paused", hang=True, sick=True)
    ra, url_a = await _serve(a.app())
    rp, url_p = await _serve(paused.app())
    started += [ra, rp]
    _, url_f = await _front(fronts, [url_p, url_a], timeout_s=1.5)
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


class Echo:
    """An instance stand-in that answers what it got, with the status it is told."""

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            status = int(request.query.get("status", "200"))
            headers = {"Retry-After": "7", "X-Not-Kept": "1"} if status == 503 else {}
            await asyncio.sleep(float(request.query.get("sleep", "0")))
            return web.json_response(
                {
                    "method": request.method,
                    "path_qs": request.path_qs,
                    "secret": request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                    "connection": request.headers.get("Connection"),
                    "body": body.decode(),
                },
                status=status,
                headers=headers,
            )

        async def health(request: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_get("/healthz", health)
        app.router.add_route("*", "/{tail:.*}", handle)
        return app


async def test_method_target_headers_and_body_go_through_and_the_answer_comes_back(
    started: list[web.AppRunner], fronts: list[Front]
) -> None:
    runner, url = await _serve(Echo().app())
    started.append(runner)
    _, url_f = await _front(fronts, [url], timeout_s=2)
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url_f + "/telegram/webhook?a=1&b=x%20y",
            data=b'{"update_id": 1}',
            headers={"X-Telegram-Bot-Api-Secret-Token": "s3", "Connection": "keep-alive"},
        ) as r:
            assert r.status == 200 and r.content_type == "application/json"
            echoed = await r.json()
        assert echoed == {
            "method": "POST",
            "path_qs": "/telegram/webhook?a=1&b=x%20y",
            "secret": "s3",
            "connection": None,  # hop-by-hop: the front's own connection is not the client's
            "body": '{"update_id": 1}',
        }
        async with http.delete(url_f + "/api/v1/thing?status=503") as r:
            assert r.status == 503
            assert r.headers["Retry-After"] == "7" and "X-Not-Kept" not in r.headers
            assert (await r.json())["method"] == "DELETE"


async def _read_all(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    chunks = []
    try:
        while chunk := await asyncio.wait_for(reader.read(1 << 16), 5):
            chunks.append(chunk)
    finally:
        writer.close()
    return b"".join(chunks)


async def test_pipelined_requests_are_answered_in_order(
    started: list[web.AppRunner], fronts: list[Front]
) -> None:
    runner, url = await _serve(Echo().app())
    started.append(runner)
    front, _ = await _front(fronts, [url], timeout_s=2)
    port = front._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    # The first is answered last by the instance: the front still answers it first.
    raw = (
        b"POST /one?sleep=0.3 HTTP/1.1\r\nHost: f\r\nContent-Length: 1\r\n\r\n1"
        b"POST /two HTTP/1.1\r\nHost: f\r\nContent-Length: 1\r\n\r\n2"
        b"GET /three HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"
    )
    answers = await _read_all(port, raw)
    assert answers.count(b"HTTP/1.1 200 OK") == 3
    assert answers.index(b"/one") < answers.index(b"/two") < answers.index(b"/three")


async def test_a_head_or_body_over_the_limit_and_a_bad_request_are_refused_and_closed(
    started: list[web.AppRunner], fronts: list[Front], monkeypatch: pytest.MonkeyPatch
) -> None:
    echo = Backend("echo")
    runner, url = await _serve(echo.app())
    started.append(runner)
    front, _ = await _front(fronts, [url], timeout_s=2)
    port = front._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    huge = b"X-Big: " + b"a" * (MAX_HEAD_BYTES + 10) + b"\r\n"
    answer = await _read_all(port, b"POST /telegram/webhook HTTP/1.1\r\nHost: f\r\n" + huge)
    assert answer.startswith(b"HTTP/1.1 431 ") and b"connection: close" in answer
    monkeypatch.setattr(front_module, "MAX_BODY_BYTES", 1000)
    answer = await _read_all(
        port,
        b"POST /telegram/webhook HTTP/1.1\r\nHost: f\r\nContent-Length: 5000\r\n\r\n" + b"b" * 5000,
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    answer = await _read_all(port, b"NOT HTTP AT ALL\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert echo.bodies == []  # none of them reached the instance
