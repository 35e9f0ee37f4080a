"""Encryption at rest for emotional data and players' free-text answers.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256) from ``YABOT_SECURITY__ENCRYPTION_KEYS``,
comma-separated: the first encrypts, all decrypt, so a key can be rotated in without
making stored data unreadable (see docs/security.md). With no keys configured and
``security.production`` false, a key is generated once into ``<data_dir>/secret.key``
(mode 0600) and a loud warning is logged: fine for local play, never for real players.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from prometheus_client import Counter

from yabot.config import ConfigError, Settings
from yabot.observability.logging import get_logger

LOCAL_KEY_FILE = "secret.key"
ENV_NAME = "YABOT_SECURITY__ENCRYPTION_KEYS"

log = get_logger(__name__)
_UNREADABLE = "ciphertext cannot be decrypted with the configured keys"
_KEYGEN = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)

DECRYPT_FAILURES = Counter(
    "yabot_decrypt_failures_total",
    "Ciphertexts that could not be decrypted (wrong key, tampered or not a token).",
)


class DecryptionError(Exception):
    """Raised when a ciphertext was not made by any configured key or was tampered with."""


class Encryptor:
    """Encrypts and decrypts values with a list of Fernet keys (first key encrypts).

    Example::

        enc = Encryptor([Fernet.generate_key()])
        blob = enc.encrypt_json({"empathy": 3})
        assert enc.decrypt_json(blob) == {"empathy": 3}
    """

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        """Build from keys, newest first.

        Raises:
            ValueError: No key was given, or a key is not a valid Fernet key (the message
                names its position, never its content).
        """
        if not keys:
            raise ValueError("at least one encryption key is required")
        fernets: list[Fernet] = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                raise ValueError(
                    f"encryption key #{position} is not a valid Fernet key "
                    "(32 url-safe base64-encoded bytes)"
                ) from None
        self._multi = MultiFernet(fernets)
        self.key_count = len(fernets)

    def encrypt_bytes(self, data: bytes) -> bytes:
        """Encrypt raw bytes with the newest key."""
        return self._multi.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        """Decrypt a token made by any configured key.

        Raises:
            DecryptionError: No key matches or the token was altered.
        """
        try:
            return self._multi.decrypt(token)
        except (InvalidToken, TypeError):
            DECRYPT_FAILURES.inc()
            raise DecryptionError(_UNREADABLE) from None

    def encrypt_json(self, obj: Any) -> bytes:
        """Serialise ``obj`` as compact JSON and encrypt it."""
        return self.encrypt_bytes(json.dumps(obj, separators=(",", ":")).encode("utf-8"))

    def decrypt_json(self, token: bytes) -> Any:
        """Decrypt a token from :meth:`encrypt_json` and parse its JSON."""
        return json.loads(self.decrypt_bytes(token))

    def encrypt_text(self, text: str) -> bytes:
        """Encrypt a string (for example a free-text answer)."""
        return self.encrypt_bytes(text.encode("utf-8"))

    def decrypt_text(self, token: bytes) -> str:
        """Decrypt a token from :meth:`encrypt_text`."""
        return self.decrypt_bytes(token).decode("utf-8")

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt ``token`` with the newest key (its original timestamp is kept).

        Raises:
            DecryptionError: No configured key can read ``token``.
        """
        try:
            return self._multi.rotate(token)
        except (InvalidToken, TypeError):
            DECRYPT_FAILURES.inc()
            raise DecryptionError(_UNREADABLE) from None


def parse_keys(raw: str) -> list[str]:
    """Split a comma-separated key list, dropping blanks."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def _local_key(data_dir: Path) -> bytes:
    path = data_dir / LOCAL_KEY_FILE
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # private, as the data files
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
            log.warning("local_key_permissions_tightened", path=str(path), old_mode=oct(mode))
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    log.warning("local_key_generated", path=str(path))
    return key


def load_encryptor(settings: Settings) -> Encryptor:
    """Build the process's :class:`Encryptor` from settings.

    Args:
        settings: Reads ``security.encryption_keys``, ``security.production`` and
            ``storage.data_dir``.

    Returns:
        An encryptor over the configured keys, or over the local development key.

    Raises:
        ConfigError: Keys are invalid, or missing while ``security.production`` is true.
    """
    secret = settings.security.encryption_keys
    keys = parse_keys(secret.get_secret_value()) if secret is not None else []
    if keys:
        try:
            return Encryptor(keys)
        except ValueError as exc:
            raise ConfigError(
                f"config error: security.encryption_keys (env {ENV_NAME}): {exc}"
            ) from None
    if settings.security.production:
        raise ConfigError(
            f"config error: security.encryption_keys (env {ENV_NAME}) is required when "
            f"security.production is true; generate one with `{_KEYGEN}`"
        )
    path = settings.storage.data_dir / LOCAL_KEY_FILE
    log.warning(
        "INSECURE_LOCAL_ENCRYPTION_KEY",
        detail=f"no {ENV_NAME} set: data at rest is encrypted with a key stored next to it "
        f"in {path}; for local play only, never for real players",
    )
    try:
        return Encryptor([_local_key(settings.storage.data_dir)])
    except ValueError as exc:
        raise ConfigError(f"config error: {path} holds no valid key: {exc}") from None
