"""Request field checks that follow JSON Schema: a boolean is never a number, ``10.0`` is not
an integer.

Use ``NotBool`` last in ``Annotated`` (after any ``Field`` constraints, which pydantic would
otherwise leave out of the JSON Schema's ``minimum``/``maximum``)::

    amount: Annotated[int, Field(ge=1), NotBool]
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BeforeValidator

_INTEGER = re.compile(r"[+-]?[0-9]+")


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, str):
        raise ValueError("text is not a number (send the number without quotes)")
    return value


NotBool = BeforeValidator(_not_bool)
"""Refuses ``true``/``false`` and text such as ``"25"`` where a JSON body has a number
(pydantic's lax mode takes them as 1/0 and 25); for body fields only (path and query
parameters are text: use :data:`IntegerText`)."""


def _integer_text(value: Any) -> Any:
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        raise ValueError("not an integer")
    return value


IntegerText = BeforeValidator(_integer_text)
"""Refuses text like ``10.0`` for an integer path or query parameter (pydantic's lax mode
would take it as 10); use last in ``Annotated``."""
