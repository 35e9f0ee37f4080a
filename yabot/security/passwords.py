"""scrypt password hashing in a self-describing format.

An encoded hash reads ``scrypt$ln=15,r=8,p=1$<salt>$<hash>`` (salt and hash are unpadded
URL-safe base64), so the cost can be raised later without invalidating stored hashes:
:func:`needs_rehash` tells when a hash was made with other parameters.
"""

from __future__ import annotations

import base64
import hmac
import os
import re

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SCHEME = "scrypt"
DEFAULT_LOG2_N = 15
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MAX_PASSWORD_BYTES = 1024
_ENCODED = re.compile(
    r"^scrypt\$ln=(?P<ln>\d{1,2}),r=(?P<r>\d{1,2}),p=(?P<p>\d{1,2})"
    r"\$(?P<salt>[A-Za-z0-9_-]{16,128})\$(?P<hash>[A-Za-z0-9_-]{16,128})$"
)


class InvalidHashError(ValueError):
    """Raised when a stored password hash is not in the expected format."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _check_params(log2_n: int, r: int, p: int) -> None:
    if not 10 <= log2_n <= 22 or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise InvalidHashError(f"scrypt parameters out of range: ln={log2_n}, r={r}, p={p}")


def _derive(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=HASH_BYTES, n=2**log2_n, r=r, p=p).derive(
        _password_bytes(password)
    )


def _password_bytes(password: str) -> bytes:
    raw = password.encode("utf-8")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise ValueError(f"password longer than {MAX_PASSWORD_BYTES} bytes")
    return raw


def hash_password(
    password: str, *, log2_n: int = DEFAULT_LOG2_N, r: int = DEFAULT_R, p: int = DEFAULT_P
) -> str:
    """Hash ``password`` with scrypt and a fresh random salt.

    Args:
        password: The clear password (at most 1024 UTF-8 bytes).
        log2_n: log2 of scrypt's CPU/memory cost; 15 takes ~60 ms and 32 MiB here.
        r: scrypt block size.
        p: scrypt parallelism.

    Returns:
        The encoded hash, e.g. ``scrypt$ln=15,r=8,p=1$<salt>$<hash>``.

    Raises:
        ValueError: The password is too long or the parameters are out of range.
    """
    _check_params(log2_n, r, p)
    salt = os.urandom(SALT_BYTES)
    digest = _derive(password, salt, log2_n, r, p)
    return f"{SCHEME}$ln={log2_n},r={r},p={p}${_b64encode(salt)}${_b64encode(digest)}"


def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    match = _ENCODED.match(encoded)
    if match is None:
        raise InvalidHashError("not an encoded scrypt hash")
    log2_n, r, p = int(match["ln"]), int(match["r"]), int(match["p"])
    _check_params(log2_n, r, p)
    return log2_n, r, p, _b64decode(match["salt"]), _b64decode(match["hash"])


def verify_password(password: str, encoded: str) -> bool:
    """Tell whether ``password`` matches ``encoded``, comparing in constant time.

    Args:
        password: The clear password offered.
        encoded: A hash made by :func:`hash_password`.

    Returns:
        True when the password matches. A password over the length limit never matches.

    Raises:
        InvalidHashError: ``encoded`` is not a hash this module made.
    """
    log2_n, r, p, salt, expected = _parse(encoded)
    try:
        candidate = _derive(password, salt, log2_n, r, p)
    except ValueError:
        return False
    return hmac.compare_digest(candidate, expected)


def needs_rehash(encoded: str, *, log2_n: int = DEFAULT_LOG2_N) -> bool:
    """Tell whether ``encoded`` was made with a cost other than ``log2_n`` (r=8, p=1)."""
    current_ln, r, p, _, _ = _parse(encoded)
    return (current_ln, r, p) != (log2_n, DEFAULT_R, DEFAULT_P)


_DUMMY_SALT = os.urandom(SALT_BYTES)


def burn_verification_time(password: str, *, log2_n: int = DEFAULT_LOG2_N) -> None:
    """Spend the time one verification takes, for unknown users (no username oracle)."""
    try:
        _derive(password, _DUMMY_SALT, log2_n, DEFAULT_R, DEFAULT_P)
    except ValueError:
        return
