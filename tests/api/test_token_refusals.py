"""Every refused-token case answers 401 with a short reason and no stack trace."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from .support import NEW_SECRET, OLD_SECRET, SERVICE_SECRET, bearer

WHOAMI = "/api/v1/auth/whoami"


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "yabot",
        "aud": "yabot-admin",
        "sub": "alice",
        "role": "admin",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw_token(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _valid(**overrides: Any) -> str:
    return jwt.encode(_claims(**overrides), OLD_SECRET, algorithm="HS256", headers={"kid": "k1"})


def _rsa_private_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _rsa_public_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _tampered_payload() -> str:
    header, _, signature = _valid(role="viewer").split(".")
    payload = _b64(json.dumps(_claims(role="admin")).encode())
    return f"{header}.{payload}.{signature}"


def _tampered_signature() -> str:
    head, payload, _ = _valid().split(".")
    other = jwt.encode(_claims(), NEW_SECRET, algorithm="HS256", headers={"kid": "k1"})
    return f"{head}.{payload}.{other.split('.')[2]}"


REFUSED: dict[str, Any] = {
    "alg_none": lambda: _raw_token({"alg": "none", "typ": "JWT", "kid": "k1"}, _claims(), None),
    "alg_none_capitalised": lambda: _raw_token({"alg": "None", "kid": "k1"}, _claims(), None),
    "rs256_header": lambda: jwt.encode(
        _claims(), _rsa_private_pem(), algorithm="RS256", headers={"kid": "k1"}
    ),
    "hs512_right_secret": lambda: jwt.encode(
        _claims(), OLD_SECRET, algorithm="HS512", headers={"kid": "k1"}
    ),
    "hs256_signed_with_public_key": lambda: _raw_token(
        {"alg": "HS256", "kid": "k1"}, _claims(), _rsa_public_pem()
    ),
    "wrong_audience": lambda: _valid(aud="someone-else"),
    "service_audience_on_admin_kid": lambda: _valid(aud="yabot-internal"),
    "wrong_issuer": lambda: _valid(iss="evil"),
    "expired": lambda: _valid(
        iat=int(time.time()) - 3600, nbf=int(time.time()) - 3600, exp=int(time.time()) - 60
    ),
    "not_yet_valid": lambda: _valid(nbf=int(time.time()) + 600),
    "unknown_kid": lambda: jwt.encode(
        _claims(), OLD_SECRET, algorithm="HS256", headers={"kid": "k9"}
    ),
    "missing_kid": lambda: jwt.encode(_claims(), OLD_SECRET, algorithm="HS256"),
    "tampered_payload": _tampered_payload,
    "tampered_signature": _tampered_signature,
    "missing_exp": lambda: _valid(exp=None),
    "missing_jti": lambda: _valid(jti=None),
    "unknown_role": lambda: _valid(role="superuser"),
    "service_role_with_admin_key": lambda: _valid(role="service"),
    "admin_role_with_service_kid": lambda: jwt.encode(
        _claims(aud="yabot-internal"),
        SERVICE_SECRET,
        algorithm="HS256",
        headers={"kid": "service"},
    ),
    "garbage": lambda: "not-a-jwt",
    "oversized": lambda: "a" * 5000,
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_token_answers_401_with_short_reason(client: TestClient, case: str) -> None:
    response = client.get(WHOAMI, headers=bearer(REFUSED[case]()))
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert error["message"].startswith(("token", "malformed", "invalid"))
    assert len(error["message"]) < 60
    assert "Traceback" not in response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert error["request_id"] == response.headers["X-Request-ID"]


def test_a_valid_token_passes_the_same_check(client: TestClient) -> None:
    response = client.get(WHOAMI, headers=bearer(_valid()))
    assert response.status_code == 200
    assert response.json()["subject"] == "alice"
    assert response.json()["role"] == "admin"


def test_reasons_tell_the_cases_apart(client: TestClient) -> None:
    messages = {
        case: client.get(WHOAMI, headers=bearer(REFUSED[case]())).json()["error"]["message"]
        for case in (
            "alg_none",
            "wrong_audience",
            "wrong_issuer",
            "expired",
            "unknown_kid",
            "missing_kid",
            "tampered_payload",
        )
    }
    assert messages == {
        "alg_none": "token algorithm not allowed",
        "wrong_audience": "token audience not accepted",
        "wrong_issuer": "token issuer not accepted",
        "expired": "token expired",
        "unknown_kid": "token key id unknown",
        "missing_kid": "token has no key id",
        "tampered_payload": "token signature invalid",
    }


def test_missing_or_non_bearer_authorization_is_401(client: TestClient) -> None:
    assert client.get(WHOAMI).status_code == 401
    basic = client.get(WHOAMI, headers={"Authorization": "Basic YWxpY2U6cHc="})
    assert basic.status_code == 401


def test_refusals_are_counted_by_reason(client: TestClient) -> None:
    def count() -> float:
        return (
            REGISTRY.get_sample_value("yabot_api_auth_failures_total", {"reason": "expired"}) or 0.0
        )

    before = count()
    client.get(WHOAMI, headers=bearer(REFUSED["expired"]()))
    assert count() == before + 1
