"""Nothing YABOT or the emulator serves points off the machine.

1. Every page and asset of the admin API (dashboard, docs, OpenAPI, health, metrics, every
   parameter-less GET route) and of the emulator (its pages, the assets they load, its
   parameter-less GET routes) is fetched; the URLs in HTML attributes, CSS and JSON, and any
   absolute URL in our own scripts, are all on loopback.
2. The pages are opened in headless Chromium: every request the browser makes goes to
   loopback. This covers the vendored Swagger UI and ReDoc bundles, whose code holds URL-like
   strings (JSON-Schema ids, XML namespaces, licence links) that are never fetched.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.emulator.test_webchat import CHROMIUM, DevTools, page  # noqa: F401 (fixture)
from tests.integration.harness import Emu, RunningBot, bot_settings
from tests.integration.test_dashboard_browser import LOOPBACK, Browser
from yabot.api.dashboard import STATIC_DIR

PASSWORD = "correct horse battery staple"
ABSOLUTE_URL = re.compile(r"""\b(?:https?|wss?|ftp)://[^\s"'<>()\\]+""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)
# Third-party bundles: URL-like strings in their code are identifiers, not fetches (part 2).
THIRD_PARTY = "/admin/static/vendor/"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("src", "href", "action", "poster", "data", "spec-url"):
                self.links.append(value)


def _off_machine(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:", "#", "javascript:", "mailto:")):
        return False
    host = urlsplit(url).hostname
    return host is not None and host not in LOOPBACK


class Crawl:
    """Fetch pages and what they reference on the same origin; collect off-machine URLs."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.http = httpx.Client(headers=headers or {}, timeout=30)
        self.seen: dict[str, int] = {}
        self.bad: list[tuple[str, str]] = []

    def visit(self, path: str) -> None:
        url = urljoin(self.base + "/", path.lstrip("/"))
        if url in self.seen or urlsplit(url).netloc != urlsplit(self.base).netloc:
            return
        response = self.http.get(url)
        self.seen[url] = response.status_code
        if response.status_code >= 400:
            return
        kind = response.headers.get("content-type", "")
        body = response.text if not kind.startswith(("image/", "font/")) else ""
        links: list[str] = []
        if "html" in kind:
            parser = _Links()
            parser.feed(body)
            links = parser.links
        elif "css" in kind:
            links = [a or b for a, b in CSS_URL.findall(body)]
        if THIRD_PARTY not in url:
            links += ABSOLUTE_URL.findall(body)
        for link in links:
            if _off_machine(link):
                self.bad.append((url, link))
            elif not link.startswith(("data:", "blob:", "#", "javascript:")):
                self.visit(urljoin(url, link))


def _parameterless_gets(openapi: dict[str, Any]) -> list[str]:
    return [
        path
        for path, operations in openapi["paths"].items()
        if "get" in operations and "{" not in path
    ]


@pytest.fixture
def bot(emu: Emu, tmp_path: Path) -> Iterator[RunningBot]:
    settings = bot_settings(
        tmp_path / "data",
        emu.url,
        "polling",
        YABOT_API__BOOTSTRAP_ADMIN_PASSWORD=PASSWORD,
        YABOT_SECURITY__PASSWORD_SCRYPT_LOG2_N="12",
    )
    running = RunningBot(settings).start()
    yield running
    running.stop()


def _admin(api: str) -> dict[str, str]:
    r = httpx.post(api + "/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["access_token"]}


def test_every_page_and_asset_stays_on_loopback(emu: Emu, bot: RunningBot) -> None:
    api = bot.api_url
    crawl = Crawl(api, _admin(api))
    openapi = httpx.get(api + "/api/v1/openapi.json").json()
    entry = ["/admin", "/api/v1/docs", "/api/v1/redoc", "/api/v1/openapi.json"]
    entry += _parameterless_gets(openapi)
    entry += [
        "/admin/static/" + p.relative_to(STATIC_DIR).as_posix()
        for p in STATIC_DIR.rglob("*")
        if p.is_file()
    ]
    for path in entry:
        crawl.visit(path)
    fetched = {url.removeprefix(api): status for url, status in crawl.seen.items()}
    for page_path in ("/admin", "/api/v1/docs", "/api/v1/redoc", "/healthz", "/metrics"):
        assert fetched[page_path] == 200, page_path
    assert fetched["/admin/static/vendor/swagger-ui-bundle.js"] == 200
    assert fetched["/admin/static/dashboard.js"] == 200
    assert crawl.bad == []

    emulator = Crawl(emu.url)
    emu_openapi = httpx.get(emu.url + "/openapi.json")
    paths = ["/", "/chat", "/docs", "/redoc", "/openapi.json"]
    if emu_openapi.status_code == 200:
        paths += _parameterless_gets(emu_openapi.json())
    for path in paths:
        emulator.visit(path)
    assert emulator.seen[emu.url + "/chat"] == 200
    assert len(emulator.seen) >= 3, emulator.seen
    assert emulator.bad == []


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed and scripts/_test-prereqs.sh could not install it",
)
async def test_the_browser_fetches_nothing_off_the_machine(
    emu: Emu,
    bot: RunningBot,
    page: DevTools,  # noqa: F811 (the fixture imported above)
) -> None:
    browser = Browser(page)
    await browser.start()
    api = bot.api_url

    await browser.goto(f"{api}/api/v1/docs")
    await browser.wait_for("!!document.querySelector('.swagger-ui .info .title')")
    assert "YABOT admin API" in await browser.text(".swagger-ui .info .title")
    await browser.goto(f"{api}/api/v1/redoc")
    await browser.wait_for("document.querySelector('redoc')?.textContent.includes('YABOT')")
    await browser.goto(f"{api}/admin")
    await browser.sign_in("admin", PASSWORD)
    await browser.wait_for("document.querySelectorAll('#tiles .tile').length > 5")
    for hash_ in ("#/players", "#/broadcasts", "#/audit"):
        await browser.evaluate(f"location.hash = '{hash_}'")
        await asyncio.sleep(0.5)
    await browser.goto(f"{emu.url}/chat")
    await browser.wait_for("!!document.getElementById('player')")
    for extra in ("/", "/docs", "/redoc"):
        if httpx.get(emu.url + extra).status_code == 200:
            await browser.goto(emu.url + extra)
            await asyncio.sleep(1.0)

    assert any("/admin/static/vendor/redoc.standalone.js" in u for u in browser.requests)
    assert any("/admin/static/vendor/swagger-ui-bundle.js" in u for u in browser.requests)
    assert browser.off_machine() == []
