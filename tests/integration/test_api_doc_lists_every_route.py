"""docs/api.md lists every route of the admin API, and lists no route the API lacks.

The routes are read from the running bot's OpenAPI document (every route included in the
schema) plus the top-level routes of the app ``create_api`` builds (the dashboard, the docs
pages, the static mount: they are left out of the schema). Path parameters compare by
position, not by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.routing import Mount

from tests.integration.harness import ROOT, Emu, RunningBot, bot_settings
from yabot.api.admin_store import SqliteAdminStore
from yabot.api.app import ApiDeps, create_api

DOC = ROOT / "docs" / "api.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DOC_ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)")


def _norm(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def documented(text: str) -> set[tuple[str, str]]:
    """The (method, path) pairs written as `METHOD /path` in the doc."""
    return {(method, _norm(path)) for method, path in DOC_ROUTE.findall(text)}


def served(openapi: dict[str, object], hidden: set[tuple[str, str]]) -> set[tuple[str, str]]:
    paths = openapi["paths"]
    assert isinstance(paths, dict)
    routes = {
        (method.upper(), _norm(path))
        for path, operations in paths.items()
        for method in operations
        if method.upper() in METHODS
    }
    return routes | hidden


def hidden_routes(tmp_path: Path) -> set[tuple[str, str]]:
    """Top-level routes of create_api's app that the OpenAPI document leaves out."""
    store = SqliteAdminStore(tmp_path / "admin.db")
    settings = bot_settings(tmp_path, "http://127.0.0.1:9")
    app = create_api(settings, ApiDeps(admin_store=store))
    out: set[tuple[str, str]] = set()
    for route in app.routes:
        path = getattr(route, "path", None)
        if path is None:
            continue  # an included router: its routes are in the OpenAPI document
        if isinstance(route, Mount):
            out.add(("GET", _norm(path + "/{path}")))
            continue
        if getattr(route, "include_in_schema", True):
            continue
        for method in getattr(route, "methods", None) or ():
            if method in METHODS:
                out.add((method, _norm(path)))
    store.close()
    return out


@pytest.fixture
def bot(emu: Emu, tmp_path: Path) -> Iterator[RunningBot]:
    running = RunningBot(bot_settings(tmp_path / "data", emu.url)).start()
    yield running
    running.stop()


def test_docs_api_md_lists_exactly_the_routes_served(bot: RunningBot, tmp_path: Path) -> None:
    openapi = httpx.get(bot.api_url + "/api/v1/openapi.json").json()
    routes = served(openapi, hidden_routes(tmp_path))
    assert ("GET", "/admin") in routes and ("GET", "/api/v1/actors") in routes
    doc = documented(DOC.read_text(encoding="utf-8"))
    missing = sorted(routes - doc)
    stale = sorted(doc - routes)
    assert missing == [], f"docs/api.md misses {missing}"
    assert stale == [], f"docs/api.md lists routes the API does not serve: {stale}"


def test_the_comparison_sees_a_missing_and_a_stale_route() -> None:
    doc = documented("| `GET /a/{id}` | x |\n| `POST /b?x=1` | y |")
    assert doc == {("GET", "/a/{}"), ("POST", "/b")}
    routes = {("GET", "/a/{}"), ("DELETE", "/c")}
    assert routes - doc == {("DELETE", "/c")} and doc - routes == {("POST", "/b")}
