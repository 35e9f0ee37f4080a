"""Checks of signing secrets shared by the settings model and the token service."""

from __future__ import annotations

import json
import re

MIN_SECRET_BYTES = 32
RESERVED_KID = "service"
_KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def check_secret(value: object) -> bytes:
    """Return ``value`` as bytes if it is a string of at least 32 bytes.

    Raises:
        ValueError: Too short or not a string (the value is never echoed).
    """
    if not isinstance(value, str) or len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ValueError(f"must be a string of at least {MIN_SECRET_BYTES} bytes")
    return value.encode("utf-8")


def parse_jwt_keys(raw: str) -> dict[str, bytes]:
    """Parse a JSON object ``{"kid": "secret", ...}``, keeping its order (first signs).

    Raises:
        ValueError: Not a JSON object, empty, a kid not matching ``[A-Za-z0-9._-]{1,64}``,
            the reserved kid ``service``, or a secret shorter than 32 bytes.
    """
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError("is not valid JSON") from None
    if not isinstance(data, dict) or not data:
        raise ValueError('must be a JSON object {"kid": "secret", ...} with at least one key')
    keys: dict[str, bytes] = {}
    for kid, secret in data.items():
        if not _KID.match(kid) or kid == RESERVED_KID:
            raise ValueError(
                f"kid {kid!r} must match [A-Za-z0-9._-]{{1,64}} and not be {RESERVED_KID!r}"
            )
        try:
            keys[kid] = check_secret(secret)
        except ValueError as exc:
            raise ValueError(f"secret of kid {kid!r} {exc}") from None
    return keys
