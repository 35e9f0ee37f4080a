"""JSON body numbers follow the OpenAPI schema (``type: integer`` / ``number``): text such as
``"25"`` and booleans are refused with 422, as ``10.5`` for an integer is. ``{"amount": "25"}``
credited 25 besitos."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from yabot.api.routes.broadcasts import SegmentIn
from yabot.api.routes.operations import BesitosIn, SubscriptionIn

CASES: list[tuple[type[BaseModel], dict[str, Any], str]] = [
    (BesitosIn, {"amount": 25, "reason": "gift"}, "amount"),
    (SubscriptionIn, {"tier": "vip", "days": 3}, "days"),
    (SegmentIn, {"tier": "all", "joined_after": 1_700_000_000}, "joined_after"),
]


@pytest.mark.parametrize(("model", "good", "field"), CASES)
@pytest.mark.parametrize("bad", ["25", "3", "1700000000", True, False])
def test_text_and_booleans_are_not_numbers(
    model: type[BaseModel], good: dict[str, Any], field: str, bad: object
) -> None:
    model.model_validate(good)
    with pytest.raises(ValidationError):
        model.model_validate({**good, field: bad})
