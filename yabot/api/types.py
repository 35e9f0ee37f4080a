"""Request field checks that follow JSON Schema: a boolean is never a number.

Use ``NotBool`` last in ``Annotated`` (after any ``Field`` constraints, which pydantic would
otherwise leave out of the JSON Schema's ``minimum``/``maximum``)::

    amount: Annotated[int, Field(ge=1), NotBool]
"""

from __future__ import annotations

from typing import Any

from pydantic import BeforeValidator


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


NotBool = BeforeValidator(_not_bool)
"""Refuses ``true``/``false`` where a number is expected (pydantic's lax mode takes them as 1/0)."""
