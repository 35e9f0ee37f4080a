"""The operators' dashboard at ``/admin`` and the API docs, all from assets inside the package.

``install_dashboard(app)`` adds:

- ``GET /admin``: the dashboard, a static single-page app (``static/``) that signs in through
  ``POST /api/v1/auth/token`` and reads and acts only through the admin API, so the API's
  roles apply unchanged (the page hides what the role may not do; the API refuses it anyway);
- ``/admin/static/...``: its script, styles and the vendored Swagger UI (swagger-ui-dist,
  Apache-2.0) and ReDoc (MIT) bundles, licences beside them;
- ``GET /api/v1/docs`` (Swagger UI) and ``GET /api/v1/redoc`` (ReDoc) over those local assets:
  nothing is loaded from outside the machine (a Content-Security-Policy says so to the browser);
- the metrics sampler behind ``GET /api/v1/dashboard/overview`` (``yabot.api.routes.dashboard``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from yabot.api.dashboard.sampler import MetricsSampler

STATIC_DIR = Path(__file__).parent / "static"
DASHBOARD_PATH = "/admin"
STATIC_PATH = f"{DASHBOARD_PATH}/static"
VENDOR_PATH = f"{STATIC_PATH}/vendor"

# The dashboard runs no inline script: everything must come from this origin.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Swagger UI and ReDoc pages start their bundles with an inline script; ReDoc runs a worker
# from a blob.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


_R = TypeVar("_R", bound=Response)


def _secured(response: _R, policy: str) -> _R:
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


def install_dashboard(app: FastAPI, openapi_url: str, docs_url: str, redoc_url: str) -> None:
    """Serve the dashboard, its assets and the local API docs on ``app``.

    Args:
        app: The admin API app (built with ``docs_url=None, redoc_url=None``).
        openapi_url: Where the app serves its OpenAPI document.
        docs_url: Path of the Swagger UI page.
        redoc_url: Path of the ReDoc page.
    """
    title = app.title

    @app.get(DASHBOARD_PATH, include_in_schema=False)
    async def dashboard() -> FileResponse:
        return _secured(FileResponse(STATIC_DIR / "index.html"), DASHBOARD_CSP)

    @app.get(f"{DASHBOARD_PATH}/", include_in_schema=False)
    async def dashboard_slash() -> RedirectResponse:
        return RedirectResponse(DASHBOARD_PATH)

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{VENDOR_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR_PATH}/swagger-ui.css",
            swagger_favicon_url="data:,",
            # Swagger UI would otherwise send the spec to an online validator for a badge.
            swagger_ui_parameters={"validatorUrl": None},
        )
        return _secured(page, DOCS_CSP)

    @app.get(redoc_url, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{VENDOR_PATH}/redoc.standalone.js",
            redoc_favicon_url="data:,",
            with_google_fonts=False,
        )
        return _secured(page, DOCS_CSP)

    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="dashboard-static")


__all__ = ["DASHBOARD_PATH", "STATIC_DIR", "MetricsSampler", "install_dashboard"]
