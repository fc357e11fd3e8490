"""How every Kafka client reaches the broker: address, SASL/SCRAM credentials and TLS.

One place turns the KAFKA_* settings into aiokafka's keyword arguments and faust's
broker_credentials, so no client of the platform can connect with less than the others.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Literal

import faust
from aiokafka.helpers import create_ssl_context
from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]


class KafkaSettings(BaseSettings):
    """The broker's address and how to authenticate to it (KAFKA_* variables).

    PLAINTEXT, the default, is for a broker on one machine only; a shared broker needs
    SASL_SSL (or SASL_PLAINTEXT inside a private network) with a user per service.
    """

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: Protocol = "PLAINTEXT"
    kafka_sasl_mechanism: Mechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None  # unset: the system's trusted CAs
    kafka_ssl_certfile: Path | None = None  # a client certificate, for brokers that ask one
    kafka_ssl_keyfile: Path | None = None

    @model_validator(mode="after")
    def _security_is_coherent(self) -> KafkaSettings:
        if self.uses_sasl and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            )
        if bool(self.kafka_ssl_certfile) != bool(self.kafka_ssl_keyfile):
            raise ValueError("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together")
        if self.kafka_ssl_certfile and not self.uses_tls:
            raise ValueError("a client certificate needs KAFKA_SECURITY_PROTOCOL SSL or SASL_SSL")
        return self

    @property
    def uses_sasl(self) -> bool:
        """Whether clients authenticate with a user name and password."""
        return self.kafka_security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        """Whether connections to the broker are encrypted."""
        return self.kafka_security_protocol in ("SSL", "SASL_SSL")


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext | None:
    """The TLS context of the broker connections, or None over plaintext."""
    if not kafka.uses_tls:
        return None
    return create_ssl_context(
        cafile=kafka.kafka_ssl_cafile, certfile=kafka.kafka_ssl_certfile,
        keyfile=kafka.kafka_ssl_keyfile,
    )


def client_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments of any aiokafka client (producer, consumer, admin) for this broker."""
    options: dict[str, Any] = {
        "bootstrap_servers": kafka.kafka_bootstrap,
        "security_protocol": kafka.kafka_security_protocol,
    }
    if kafka.uses_tls:
        options["ssl_context"] = ssl_context(kafka)
    if kafka.uses_sasl:
        options.update(
            sasl_mechanism=kafka.kafka_sasl_mechanism,
            sasl_plain_username=kafka.kafka_sasl_username,
            sasl_plain_password=kafka.kafka_sasl_password.get_secret_value(),
        )
    return options


def faust_credentials(kafka: KafkaSettings) -> faust.auth.Credentials | None:
    """faust's broker_credentials for the same connection as client_options."""
    if kafka.uses_sasl:
        return faust.SASLCredentials(
            username=kafka.kafka_sasl_username,
            password=kafka.kafka_sasl_password.get_secret_value(),
            mechanism=kafka.kafka_sasl_mechanism, ssl_context=ssl_context(kafka),
        )
    if kafka.uses_tls:
        return faust.SSLCredentials(ssl_context(kafka))
    return None


def connection(kafka: KafkaSettings | str) -> KafkaSettings:
    """Settings as given, or a bare bootstrap address with the rest from the environment."""
    return kafka if isinstance(kafka, KafkaSettings) else KafkaSettings(kafka_bootstrap=kafka)
