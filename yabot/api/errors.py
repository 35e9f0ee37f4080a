"""One error shape for every 4xx/5xx answer: ``{"error": {"code", "message", "request_id"}}``."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from yabot.observability.logging import get_logger

log = get_logger(__name__)


class ErrorDetail(BaseModel):
    """One problem found in a request (validation errors)."""

    loc: list[str | int] = Field(description="Where the problem is, e.g. ['body', 'role'].")
    msg: str
    type: str


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str = Field(description="Stable machine-readable code, e.g. 'unauthorized'.")
    message: str = Field(description="Short human-readable reason.")
    request_id: str = Field(description="The X-Request-ID of the call, for log lookups.")
    details: list[ErrorDetail] | None = Field(
        None, description="Per-field problems (validation errors only)."
    )


class ErrorResponse(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorBody


class ApiError(Exception):
    """Raise from an endpoint to answer with the error model.

    Args:
        status: HTTP status code.
        code: Stable machine-readable code.
        message: Short reason shown to the client (never a stack trace or a secret).
        headers: Extra response headers (e.g. ``Retry-After``).
    """

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("The request body could not be read (e.g. not UTF-8 JSON)."),
    413: _doc("Request body too large."),
    422: _doc("The request is invalid; `error.details` lists each problem."),
    500: _doc("Unexpected error; the request id is in the body and in the logs."),
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _doc("Missing or invalid bearer token."),
    403: _doc("The token's role may not call this endpoint."),
}


def request_id_of(request: Request) -> str:
    """Return the request id the middleware assigned (``"-"`` outside a request)."""
    return str(request.scope.get("state", {}).get("request_id", "-"))


def error_response(
    request_id: str,
    status: int,
    code: str,
    message: str,
    *,
    details: list[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build a JSON response in the error model."""
    body = ErrorResponse(
        error=ErrorBody(code=code, message=message, request_id=request_id, details=details)
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=dict(headers or {})
    )


def _status_code_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(
        request_id_of(request), exc.status, exc.code, exc.message, headers=exc.headers
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else _status_code_name(exc.status_code)
    return error_response(
        request_id_of(request),
        exc.status_code,
        _status_code_name(exc.status_code),
        message,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        ErrorDetail(
            loc=[part if isinstance(part, int) else str(part) for part in err.get("loc", ())],
            msg=str(err.get("msg", "invalid")),
            type=str(err.get("type", "invalid")),
        )
        for err in exc.errors()
    ]
    return error_response(
        request_id_of(request), 422, "validation_error", "request is invalid", details=details
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer every HTTP, API and validation error in the error model."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
