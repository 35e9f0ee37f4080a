"""Request field types that follow JSON Schema: a boolean is never a number."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


JsonInt = Annotated[int, BeforeValidator(_not_bool)]
"""An integer; ``true``/``false`` are refused (pydantic's lax mode would take them as 1/0)."""

JsonFloat = Annotated[float, BeforeValidator(_not_bool)]
"""A number; ``true``/``false`` are refused."""
