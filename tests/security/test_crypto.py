"""Encryption at rest: round trips, rotation, no plaintext on disk, key loading."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
import structlog
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from yabot.config import ConfigError, Settings
from yabot.security import crypto
from yabot.security.crypto import DecryptionError, Encryptor, load_encryptor

SIGNATURE = {"empathy": 7, "curiosity": -2, "note": "tengo miedo de perderla"}
ANSWER = "I never told anyone about my brother"


def _settings(tmp_path: Path, keys: str | None = None, production: bool = False) -> Settings:
    security: dict[str, object] = {"production": production}
    if keys is not None:
        security["encryption_keys"] = keys
    return Settings.model_validate(
        {"security": security, "storage": {"data_dir": str(tmp_path / "var")}}
    )


def test_json_and_text_round_trip_without_plaintext_in_ciphertext() -> None:
    enc = Encryptor([Fernet.generate_key()])
    blob = enc.encrypt_json(SIGNATURE)
    text = enc.encrypt_text(ANSWER)
    assert enc.decrypt_json(blob) == SIGNATURE
    assert enc.decrypt_text(text) == ANSWER
    for needle in (b"empathy", b"miedo", b"brother", ANSWER.encode()):
        assert needle not in blob and needle not in text


@settings(max_examples=50, deadline=None)
@given(st.text())
def test_any_text_round_trips(value: str) -> None:
    enc = Encryptor([b"dGhpcy1pcy1hLTMyLWJ5dGUta2V5LWZvci10ZXN0cyE="])
    assert enc.decrypt_text(enc.encrypt_text(value)) == value


def test_rotation_old_data_stays_readable_and_rotate_moves_it_to_the_new_key() -> None:
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    old_blob = Encryptor([old_key]).encrypt_json(SIGNATURE)

    both = Encryptor([new_key, old_key])
    assert both.decrypt_json(old_blob) == SIGNATURE
    rotated = both.rotate(old_blob)

    new_only = Encryptor([new_key])
    assert new_only.decrypt_json(rotated) == SIGNATURE
    with pytest.raises(DecryptionError):
        new_only.decrypt_json(old_blob)
    assert Encryptor([new_key]).decrypt_json(both.encrypt_json({"a": 1})) == {"a": 1}


def test_tampered_or_foreign_ciphertext_is_a_clear_error() -> None:
    enc = Encryptor([Fernet.generate_key()])
    blob = bytearray(enc.encrypt_text(ANSWER))
    blob[-5] = ord("A") if blob[-5] != ord("A") else ord("B")
    with pytest.raises(DecryptionError):
        enc.decrypt_text(bytes(blob))
    with pytest.raises(DecryptionError):
        enc.decrypt_text(Encryptor([Fernet.generate_key()]).encrypt_text(ANSWER))
    with pytest.raises(DecryptionError):
        enc.rotate(b"not a token")


def test_a_database_file_read_directly_shows_no_emotional_data(tmp_path: Path) -> None:
    enc = Encryptor([Fernet.generate_key()])
    path = tmp_path / "records.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE answers (user_id INTEGER, signature BLOB, answer BLOB)")
    conn.execute(
        "INSERT INTO answers VALUES (?, ?, ?)",
        (42, enc.encrypt_json(SIGNATURE), enc.encrypt_text(ANSWER)),
    )
    conn.commit()
    conn.close()
    raw = path.read_bytes()
    for needle in (b"empathy", b"curiosity", b"miedo", b"brother"):
        assert needle not in raw
    row = sqlite3.connect(path).execute("SELECT signature, answer FROM answers").fetchone()
    assert enc.decrypt_json(row[0]) == SIGNATURE and enc.decrypt_text(row[1]) == ANSWER


def test_configured_keys_first_encrypts_all_decrypt(tmp_path: Path) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old_blob = Encryptor([old_key]).encrypt_text(ANSWER)
    enc = load_encryptor(_settings(tmp_path, f"{new_key}, {old_key}"))
    assert enc.key_count == 2
    assert enc.decrypt_text(old_blob) == ANSWER
    assert Encryptor([new_key]).decrypt_text(enc.encrypt_text(ANSWER)) == ANSWER
    assert not (tmp_path / "var" / "secret.key").exists()


def test_invalid_keys_are_a_start_error_that_does_not_echo_them(tmp_path: Path) -> None:
    good = Fernet.generate_key().decode()
    with pytest.raises(ConfigError) as caught:
        load_encryptor(_settings(tmp_path, f"{good},not-a-real-key-XYZ"))
    assert "#2" in str(caught.value)
    assert "not-a-real-key-XYZ" not in str(caught.value) and good not in str(caught.value)


def test_production_without_keys_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"required when security\.production is true"):
        load_encryptor(_settings(tmp_path, production=True))
    assert not (tmp_path / "var" / "secret.key").exists()


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[MutableMapping[str, Any]]:
    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(
        structlog.PrintLogger(),
        processors=[capture],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
    )
    monkeypatch.setattr(crypto, "log", logger)
    return capture.entries


def test_local_play_generates_a_0600_key_once_with_a_loud_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = _capture(monkeypatch)
    first = load_encryptor(_settings(tmp_path))
    key_file = tmp_path / "var" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    events = [e["event"] for e in logs]
    assert "INSECURE_LOCAL_ENCRYPTION_KEY" in events and "local_key_generated" in events
    assert all(e["log_level"] == "warning" for e in logs)

    blob = first.encrypt_text(ANSWER)
    second = load_encryptor(_settings(tmp_path))
    assert second.decrypt_text(blob) == ANSWER


def test_a_loose_local_key_file_is_tightened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_encryptor(_settings(tmp_path))
    key_file = tmp_path / "var" / "secret.key"
    os.chmod(key_file, 0o644)
    logs = _capture(monkeypatch)
    load_encryptor(_settings(tmp_path))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "local_key_permissions_tightened" in [e["event"] for e in logs]


def test_settings_read_keys_from_the_environment(tmp_path: Path) -> None:
    from yabot.config import load_settings

    key = Fernet.generate_key().decode()
    (tmp_path / "none.toml").touch()  # a named config file must exist
    settings = load_settings(
        None,
        environ={
            "YABOT_SECURITY__ENCRYPTION_KEYS": key,
            "YABOT_STORAGE__DATA_DIR": str(tmp_path / "var"),
        },
    )
    assert load_encryptor(settings).key_count == 1
