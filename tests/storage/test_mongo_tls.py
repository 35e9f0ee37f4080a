"""The MongoDB snapshot store talks TLS with the CA file from settings (SecantusDB over TLS)."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from yabot.config import StorageSettings
from yabot.storage.snapshots import open_snapshot_store
from yabot.storage.snapshots.base import Snapshot


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_pki(directory: Path) -> tuple[Path, Path, Path]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("yabot test CA"))
        .issuer_name(_name("yabot test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    from secantus import SecantusDBServer

    ca, cert, key = _write_pki(tmp_path)
    server = SecantusDBServer(
        storage_path=str(tmp_path / "data"), tls_cert_file=str(cert), tls_key_file=str(key)
    )
    server.start()
    try:
        yield f"mongodb://127.0.0.1:{server.address[1]}/", ca
    finally:
        server.stop()


def test_tls_with_the_configured_ca_stores_snapshots(tls_server: tuple[str, Path]) -> None:
    uri, ca = tls_server
    settings = StorageSettings.model_validate(
        {"mongodb_uri": uri, "mongodb_tls": True, "mongodb_tls_ca_file": ca}
    )
    store = open_snapshot_store(settings)
    try:
        snapshot = Snapshot("user:1", 1, 5, b"over tls", 1.0)
        assert store.save_many([snapshot])[0].saved
        assert store.load("user:1") == snapshot
    finally:
        store.close()


def test_tls_refuses_a_server_it_cannot_verify(tls_server: tuple[str, Path]) -> None:
    uri, _ = tls_server
    settings = StorageSettings.model_validate(
        {"mongodb_uri": uri, "mongodb_tls": True, "mongodb_timeout_ms": 500}
    )
    store = open_snapshot_store(settings)
    try:
        assert store.ping() is False
    finally:
        store.close()
