"""scrypt password hashing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yabot.security.passwords import (
    InvalidHashError,
    hash_password,
    needs_rehash,
    verify_password,
)

FAST = 10


def test_round_trip_and_the_hash_is_not_the_password() -> None:
    encoded = hash_password("correct horse battery staple", log2_n=FAST)
    assert verify_password("correct horse battery staple", encoded)
    assert not verify_password("correct horse battery stapler", encoded)
    assert "correct horse" not in encoded
    assert encoded.startswith("scrypt$ln=10,r=8,p=1$")


def test_same_password_hashes_differently_each_time() -> None:
    first = hash_password("same password here", log2_n=FAST)
    second = hash_password("same password here", log2_n=FAST)
    assert first != second
    assert verify_password("same password here", first)
    assert verify_password("same password here", second)


@settings(max_examples=15, deadline=None)
@given(password=st.text(min_size=1, max_size=64), other=st.text(min_size=1, max_size=64))
def test_only_the_exact_password_verifies(password: str, other: str) -> None:
    encoded = hash_password(password, log2_n=FAST)
    assert verify_password(password, encoded)
    assert verify_password(other, encoded) == (other == password)


def test_default_cost_is_recorded_and_rehash_is_detected() -> None:
    strong = hash_password("pw-default-cost")
    assert strong.startswith("scrypt$ln=15,")
    assert not needs_rehash(strong)
    assert needs_rehash(hash_password("pw-low-cost", log2_n=FAST))


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain-password",
        "bcrypt$2b$12$abc",
        "scrypt$ln=99,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_a_malformed_stored_hash_is_a_clear_error(encoded: str) -> None:
    with pytest.raises(InvalidHashError):
        verify_password("anything", encoded)


def test_overlong_passwords_are_refused_to_hash_and_never_verify() -> None:
    encoded = hash_password("short-one", log2_n=FAST)
    assert not verify_password("x" * 5000, encoded)
    with pytest.raises(ValueError):
        hash_password("x" * 5000, log2_n=FAST)
