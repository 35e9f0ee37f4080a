"""The sender's HTTP client against raw servers: keep-alive, closes, failures, limits, TLS."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from yabot.telegram.http import HttpClient, HttpError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    """A raw HTTP server whose per-connection behaviour each test writes."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []  # (request line + headers, body)

    async def read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await reader.readexactly(length)
        self.requests.append((head, body))
        return body


def answer(body: bytes, status: str = "200 OK", extra: bytes = b"") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n".encode()
        + extra
        + b"\r\n"
        + body
    )


@asynccontextmanager
async def serving(
    handler: Callable[[Server, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[tuple[Server, int]]:
    state = Server()

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            await handler(state, reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0, ssl=ssl_context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield state, port
    finally:
        server.close()


async def echo_keep_alive(
    state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    while (body := await state.read_request(reader)) is not None:
        writer.write(answer(b'{"ok":true,"echo":' + body + b"}"))
        await writer.drain()


async def test_calls_reuse_one_keep_alive_connection_and_send_a_proper_request() -> None:
    async with serving(echo_keep_alive) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        for n in range(5):
            status, body = await client.post("/botT/getMe", b"%d" % n, timeout_s=5)
            assert (status, body) == (200, b'{"ok":true,"echo":%d}' % n)
        await client.close()
    assert state.connections == 1
    head = state.requests[0][0].decode()
    assert head.startswith("POST /botT/getMe HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{port}\r\n" in head
    assert "Content-Type: application/json\r\n" in head
    assert "Content-Length: 1\r\n" in head


async def test_a_server_that_closes_after_each_answer_gets_a_new_connection_per_call() -> None:
    async def once(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await state.read_request(reader)
        writer.write(answer(b"{}", extra=b"Connection: close\r\n"))
        await writer.drain()

    async with serving(once) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        for _ in range(3):
            assert await client.post("/m", b"{}", timeout_s=5) == (200, b"{}")
        await client.close()
    assert state.connections == 3


async def test_an_idle_connection_the_server_dropped_is_not_reused() -> None:
    async def one_then_close(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await state.read_request(reader)
        writer.write(answer(b"{}"))  # keep-alive announced, then the server hangs up anyway
        await writer.drain()

    async with serving(one_then_close) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        assert await client.post("/m", b"{}", timeout_s=5) == (200, b"{}")
        await asyncio.sleep(0.1)
        assert await client.post("/m", b"{}", timeout_s=5) == (200, b"{}")
        await client.close()
    assert state.connections == 2


async def test_chunked_answers_and_error_statuses_come_back_whole() -> None:
    async def chunked(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while await state.read_request(reader) is not None:
            writer.write(
                b"HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\n\r\n"
                b'5\r\n{"ok"\r\n6\r\n:false\r\n1\r\n}\r\n0\r\n\r\n'
            )
            await writer.drain()

    async with serving(chunked) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        assert await client.post("/m", b"{}", timeout_s=5) == (429, b'{"ok":false}')
        assert await client.post("/m", b"{}", timeout_s=5) == (429, b'{"ok":false}')
        await client.close()
    assert state.connections == 1


async def test_a_connection_cut_mid_answer_is_an_error_and_the_next_call_works() -> None:
    calls = 0

    async def cut_first(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal calls
        while await state.read_request(reader) is not None:
            calls += 1
            if calls == 1:
                writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"ok":')
                await writer.drain()
                return
            writer.write(answer(b"{}"))
            await writer.drain()

    async with serving(cut_first) as (_, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        with pytest.raises(HttpError, match="closed before the answer was complete"):
            await client.post("/m", b"{}", timeout_s=5)
        assert await client.post("/m", b"{}", timeout_s=5) == (200, b"{}")
        await client.close()


async def test_garbage_instead_of_http_is_an_error() -> None:
    async def garbage(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await state.read_request(reader)
        writer.write(b"SMTP ready\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(1)

    async with serving(garbage) as (_, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        with pytest.raises(HttpError, match="bad HTTP answer"):
            await client.post("/m", b"{}", timeout_s=5)
        await client.close()


async def test_no_answer_in_time_is_an_error_and_that_connection_is_dropped() -> None:
    async def slow_first(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        first = state.connections == 1
        while await state.read_request(reader) is not None:
            if first:
                await asyncio.sleep(5)
            writer.write(answer(b"{}"))
            await writer.drain()

    async with serving(slow_first) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        with pytest.raises(HttpError, match=r"no answer within 0\.2 s"):
            await client.post("/m", b"{}", timeout_s=0.2)
        assert await client.post("/m", b"{}", timeout_s=5) == (200, b"{}")
        await client.close()
    assert state.connections == 2


async def test_a_refused_connection_is_an_error() -> None:
    async with serving(echo_keep_alive) as (_, port):
        pass  # the port is free again
    client = HttpClient(f"http://127.0.0.1:{port}")
    with pytest.raises(HttpError, match=r"ConnectionRefusedError|OSError"):
        await client.post("/m", b"{}", timeout_s=5)
    await client.close()


async def test_concurrent_calls_share_at_most_max_connections() -> None:
    in_flight = 0
    most = 0

    async def slow(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal in_flight, most
        while await state.read_request(reader) is not None:
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.02)
            in_flight -= 1
            writer.write(answer(b"{}"))
            await writer.drain()

    async with serving(slow) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}", max_connections=3)
        answers = await asyncio.gather(*(client.post("/m", b"{}", timeout_s=5) for _ in range(20)))
        await client.close()
    assert answers == [(200, b"{}")] * 20
    assert state.connections == 3
    assert most == 3


async def test_a_closed_client_refuses_calls() -> None:
    async with serving(echo_keep_alive) as (_, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        await client.close()
        with pytest.raises(HttpError, match="client closed"):
            await client.post("/m", b"{}", timeout_s=5)


@pytest.mark.parametrize("origin", ["ftp://x", "http://", "http://h/path", "http://h/?q=1"])
def test_only_plain_origins_are_accepted(origin: str) -> None:
    with pytest.raises(ValueError):
        HttpClient(origin)


def self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


async def test_https_verifies_the_certificate_and_works_with_a_trusted_one(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed(tmp_path)
    async with serving(echo_keep_alive, ssl_context=server_tls) as (state, port):
        trusted = HttpClient(f"https://localhost:{port}", ssl_context=client_tls)
        assert await trusted.post("/m", b"1", timeout_s=5) == (200, b'{"ok":true,"echo":1}')
        assert await trusted.post("/m", b"2", timeout_s=5) == (200, b'{"ok":true,"echo":2}')
        await trusted.close()
        untrusted = HttpClient(f"https://localhost:{port}")  # system CAs only
        with pytest.raises(HttpError, match="SSLCertVerificationError"):
            await untrusted.post("/m", b"1", timeout_s=5)
        await untrusted.close()
    assert state.connections >= 1


async def test_extra_headers_go_with_every_request_and_bad_ones_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid header"):
        HttpClient("http://h", headers={"X-Bad\r\nInjected": "1"})
    with pytest.raises(ValueError, match="invalid header"):
        HttpClient("http://h", headers={"X-Ok": "1\r\nInjected: yes"})
    async with serving(echo_keep_alive) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}", headers={"X-Secret-Token": "s3"})
        await client.post("/a", b"1", timeout_s=5)
        await client.post("/b", b"2", timeout_s=5)
        await client.close()
    assert all(b"\r\nX-Secret-Token: s3\r\n" in head for head, _ in state.requests)


async def test_request_sends_any_method_with_extra_headers_and_keeps_two_answer_headers() -> None:
    async def busy(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while await state.read_request(reader) is not None:
            writer.write(
                answer(b"{}", "503 Service Unavailable", b"Retry-After: 7\r\nX-Other: 1\r\n")
            )
            await writer.drain()

    async with serving(busy) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        status, kept, body = await client.request(
            b"PUT", b"/a?b=1", b"xyz", headers=b"X-S: s3\r\n", timeout_s=5
        )
        assert (status, body) == (503, b"{}")
        assert kept == b"Content-Type: application/json\r\nRetry-After: 7\r\n"
        status, kept, _ = await client.request(b"GET", b"/healthz", timeout_s=5)
        await client.close()
    head = state.requests[0][0].decode()
    assert head.startswith("PUT /a?b=1 HTTP/1.1\r\n")
    assert "X-S: s3\r\n" in head and "Content-Length: 3\r\n" in head
    assert state.requests[0][1] == b"xyz"
    assert state.requests[1][0].startswith(b"GET /healthz HTTP/1.1\r\n")
    assert state.connections == 1


async def test_a_connection_answered_after_close_is_closed_not_kept() -> None:
    release = asyncio.Event()
    closed_by_client = asyncio.Event()

    async def slow(
        state: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await state.read_request(reader)
        await release.wait()
        writer.write(answer(b"{}"))
        await writer.drain()
        if await reader.read(1) == b"":  # the client hung up
            closed_by_client.set()

    async with serving(slow) as (state, port):
        client = HttpClient(f"http://127.0.0.1:{port}")
        call = asyncio.create_task(client.post("/m", b"{}", timeout_s=5))
        while not state.requests:
            await asyncio.sleep(0.01)
        await client.close()  # while the call is in flight
        release.set()
        assert await call == (200, b"{}")
        await asyncio.wait_for(closed_by_client.wait(), 5)
