"""Every Kafka client reaches the broker with the KAFKA_* security settings (#21, point 10)."""

from __future__ import annotations

import ast
import datetime
import ssl
from pathlib import Path

import faust
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from runtime.bus import build_faust_app
from runtime.kafka_access import KafkaSettings, client_options, connection, faust_credentials
from runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
SCRAM_ENV = {
    "KAFKA_BOOTSTRAP": "kafka.internal:9092", "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "intake",
    "KAFKA_SASL_PASSWORD": "s3cret",
}


def test_the_default_is_plaintext_on_one_machine():
    kafka = KafkaSettings()
    assert client_options(kafka) == {
        "bootstrap_servers": "127.0.0.1:9092", "security_protocol": "PLAINTEXT",
    }
    assert faust_credentials(kafka) is None


def test_scram_settings_from_the_environment_reach_aiokafka_and_faust(monkeypatch, tmp_path):
    for name, value in SCRAM_ENV.items():
        monkeypatch.setenv(name, value)
    settings = Settings(service="intake", data_dir=tmp_path)
    assert client_options(settings) == {
        "bootstrap_servers": "kafka.internal:9092", "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "intake",
        "sasl_plain_password": "s3cret",
    }
    credentials = build_faust_app(settings).conf.broker_credentials
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.protocol.value, credentials.mechanism.value) == (
        "SASL_PLAINTEXT", "SCRAM-SHA-512")
    assert (credentials.username, credentials.password) == ("intake", "s3cret")
    assert "s3cret" not in repr(settings)


def test_a_bare_bootstrap_address_takes_its_credentials_from_the_environment(monkeypatch):
    for name, value in SCRAM_ENV.items():
        monkeypatch.setenv(name, value)
    kafka = connection("other:9093")
    assert (kafka.kafka_bootstrap, kafka.kafka_sasl_username) == ("other:9093", "intake")


def test_sasl_ssl_verifies_the_broker_against_the_given_ca(tmp_path):
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(self_signed_ca("Complaint platform test CA"))
    kafka = KafkaSettings(
        kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_sasl_username="dispatch", kafka_sasl_password="pw", kafka_ssl_cafile=cafile,
    )
    options = client_options(kafka)
    context = options.pop("ssl_context")
    assert options == {
        "bootstrap_servers": "127.0.0.1:9092", "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-256", "sasl_plain_username": "dispatch",
        "sasl_plain_password": "pw",
    }
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert [dict(x[0] for x in ca["subject"])["commonName"] for ca in context.get_ca_certs()] == [
        "Complaint platform test CA"]
    credentials = faust_credentials(kafka)
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.ssl_context.get_ca_certs() == context.get_ca_certs()


def test_ssl_alone_gives_faust_ssl_credentials(tmp_path):
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(self_signed_ca("CA"))
    kafka = KafkaSettings(kafka_security_protocol="SSL", kafka_ssl_cafile=cafile)
    assert set(client_options(kafka)) == {"bootstrap_servers", "security_protocol", "ssl_context"}
    assert isinstance(faust_credentials(kafka), faust.SSLCredentials)


@pytest.mark.parametrize("fields, problem", [
    ({"kafka_security_protocol": "SASL_SSL"}, "needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"),
    ({"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_username": "intake"},
     "needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"),
    ({"kafka_security_protocol": "SSL", "kafka_ssl_certfile": "c.pem"},
     "KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together"),
    ({"kafka_ssl_certfile": "c.pem", "kafka_ssl_keyfile": "k.pem"},
     "a client certificate needs KAFKA_SECURITY_PROTOCOL SSL or SASL_SSL"),
])
def test_incoherent_security_settings_are_refused_at_start(fields, problem):
    with pytest.raises(ValidationError, match=problem):
        KafkaSettings(**fields)


KAFKA_CLIENTS = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient"}


def test_every_kafka_client_of_the_platform_is_built_with_client_options():
    """A client given its own bootstrap_servers would connect without the credentials."""
    unsecured = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench"} or relative.parts[0].startswith("."):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            spread = [k.value for k in node.keywords if k.arg is None]
            if name in KAFKA_CLIENTS and not any(
                isinstance(v, ast.Call) and getattr(v.func, "id", "") == "client_options"
                for v in spread
            ):
                unsecured.append(f"{relative}:{node.lineno}")
            if name == "App" and "broker_credentials" not in {k.arg for k in node.keywords}:
                unsecured.append(f"{relative}:{node.lineno}")
    assert unsecured == []


def self_signed_ca(name: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)
