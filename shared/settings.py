"""One settings class for every service, read from BOUNCEFLOW_* variables (and .env)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from shared.retention import Policy as Retention

# A secret shorter than this is a mistake (CONTRACT §2): for basic auth, the password part.
MIN_SECRET_LENGTH = 16
ANY_TOPIC = "*"

# Only https AWS SNS hosts, e.g. https://sns.us-east-1.amazonaws.com/... or the China partition.
DEFAULT_SNS_URL_PATTERN = r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    """CONTRACT §2 plus the operational knobs documented in the README."""

    model_config = SettingsConfigDict(
        env_prefix="BOUNCEFLOW_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        # `VAR=` (what `${VAR:-}` in a compose file passes) is unset, never an empty key
        env_ignore_empty=True,
    )

    database_url: str = "postgresql://postgres@127.0.0.1:5432/bounceflow"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # ingest processes sharing http_port (SO_REUSEPORT): a number, or `auto` (one per CPU, ≤ 4)
    ingest_workers: str = "1"
    soft_bounce_threshold: int = Field(default=3, ge=1)
    mailgun_signing_key: SecretStr | None = None
    sendgrid_public_key: str | None = None
    # Postmark, SparkPost, Mailjet, Brevo, Mandrill (issue 10); see services/ingest/providers/
    public_url: str | None = None  # how providers reach us; Mandrill signs it
    mandrill_webhook_key: SecretStr | None = None
    postmark_token: SecretStr | None = None  # custom header Authorization: Bearer <token>
    sparkpost_basic_auth: SecretStr | None = None  # user:password set on the SparkPost webhook
    brevo_token: SecretStr | None = None  # Brevo webhook auth type bearer
    webhook_basic_auth: SecretStr | None = None
    sns_url_pattern: str = DEFAULT_SNS_URL_PATTERN
    sns_topic_arns: str | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    allow_private_endpoints: bool = False

    # Extensions (README "Settings").
    amqp_prefix: str = "bounceflow"
    raw_queue_max_length: int = Field(default=5_000_000, ge=1)
    delivery_limit: int = Field(default=10, ge=1)
    publish_timeout: float = Field(default=5.0, gt=0)
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "info"
    db_pool_size: int = Field(default=10, ge=1)
    processor_batch_size: int = Field(default=200, ge=1)
    processor_batch_wait_ms: int = Field(default=20, ge=0)
    # the processor's /healthz and /readyz port on http_host (0 = off)
    processor_health_port: int = Field(default=0, ge=0, le=65535)
    # seconds between database probes at most while it is away (backoff from 0.1 s)
    db_probe_max_delay: float = Field(default=5.0, gt=0)
    # provider tag / custom-variable names read as the bounce log's campaign and subscriber name
    campaign_keys: str = "campaign_name,campaign"
    subscriber_name_keys: str = "subscriber_name,name"
    # ... and as the sending domain where the payload names no sender (README "Sending domains")
    sending_domain_keys: str = "sending_domain,domain"
    # seconds a Mailgun / SendGrid signature timestamp may differ from our clock
    signature_tolerance: int = Field(default=900, ge=1)
    notifier_concurrency: int = Field(default=32, ge=1)
    notifier_retry_schedule: str = "5,300,1800,7200,18000,36000,36000"
    notifier_request_timeout: float = Field(default=10.0, gt=0)
    notifier_poll_interval: float = Field(default=1.0, gt=0)
    # an endpoint failing continuously this long (seconds; 5 days) is disabled
    notifier_disable_after: float = Field(default=432_000.0, gt=0)
    # the notifier's own /metrics port (0 = off)
    notifier_metrics_port: int = Field(default=0, ge=0, le=65535)
    # retention (shared/retention.py): events and deliveries, days by event time
    retention_days: int = Field(default=400, ge=1)
    # outgoing-webhook log (relayed outbox rows, finished deliveries, attempts), days
    webhook_log_retention_days: int = Field(default=30, ge=1)
    # seconds between automatic prune passes in the processor (0 = off)
    prune_interval: float = Field(default=60.0, ge=0)

    # Issue 10, batch 2 provider webhooks (services/ingest/providers/<name>.py). Unset (or
    # empty) = that provider's signature is not checked, so only basic auth can pass.
    # Resend (Svix): "whsec_..." secrets, comma-separated while rotating.
    resend_webhook_secret: SecretStr | None = None
    # Postal: the RSA public key Postal shows (base64 DER without armour, or PEM).
    postal_public_key: str | None = None
    mailersend_signing_secret: SecretStr | None = None
    mailtrap_signing_secret: SecretStr | None = None
    unisender_go_api_key: SecretStr | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object, info: ValidationInfo) -> object:
        """A blank optional setting (empty, or only spaces) is unset, never an empty key."""
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and field.default is None:
            if isinstance(value, str) and not value.strip():
                return None
        return value

    @field_validator("resend_webhook_secret")
    @classmethod
    def _resend_secrets_decode(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from shared.webhook_keys import svix_secrets

            svix_secrets(value.get_secret_value())
        return value

    @field_validator("postal_public_key")
    @classmethod
    def _postal_key_loads(cls, value: str | None) -> str | None:
        if value is not None:
            from shared.webhook_keys import rsa_public_key

            rsa_public_key(value)
        return value

    @field_validator("sns_url_pattern")
    @classmethod
    def _pattern_compiles(cls, value: str) -> str:
        re.compile(value)
        return value

    @field_validator("sendgrid_public_key")
    @classmethod
    def _sendgrid_key_loads(cls, value: str | None) -> str | None:
        if value:
            import base64

            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.hazmat.primitives.serialization import load_der_public_key

            try:
                key = load_der_public_key(base64.b64decode(value, validate=True))
            except ValueError:
                raise ValueError("must be the base64 DER public key SendGrid shows") from None
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise ValueError("must be an ECDSA (P-256) public key")
        return value

    @field_validator("webhook_basic_auth", "sparkpost_basic_auth")
    @classmethod
    def _user_colon_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and ":" not in value.get_secret_value():
            raise ValueError("must be user:password")
        return value

    @model_validator(mode="after")
    def _secrets_long_enough(self) -> Settings:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if not isinstance(value, SecretStr):
                continue
            secret = value.get_secret_value()
            if name.endswith("basic_auth"):  # user:password
                secret = secret.partition(":")[2]
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"BOUNCEFLOW_{name.upper()}: a secret must be at least "
                    f"{MIN_SECRET_LENGTH} characters (for basic auth: the password)"
                )
        return self

    @field_validator("ingest_workers")
    @classmethod
    def _workers_parse(cls, value: str) -> str:
        worker_count(value)
        return value

    @property
    def ingest_worker_count(self) -> int:
        """How many ingest processes BOUNCEFLOW_INGEST_WORKERS asks for."""
        return worker_count(self.ingest_workers)

    @field_validator("notifier_retry_schedule")
    @classmethod
    def _schedule_parses(cls, value: str) -> str:
        delays = [float(part) for part in value.split(",") if part.strip()]
        if not delays or any(d < 0 for d in delays):
            raise ValueError("must be a comma list of non-negative seconds")
        return value

    @property
    def retry_delays(self) -> tuple[float, ...]:
        """Seconds to wait before retry 1, 2, ... (attempt 1 is immediate)."""
        return tuple(float(p) for p in self.notifier_retry_schedule.split(",") if p.strip())

    @property
    def retention(self) -> Retention:
        """How long each table family is kept."""
        from shared.retention import Policy

        return Policy(
            events=timedelta(days=self.retention_days),
            webhook_log=timedelta(days=self.webhook_log_retention_days),
            replay_guard=timedelta(seconds=2 * self.signature_tolerance),
        )

    @property
    def topic_arns(self) -> frozenset[str] | None:
        """Allowed SNS TopicArns; None when unset (basic auth required too); may hold `*`."""
        if not self.sns_topic_arns:
            return None
        return frozenset(a.strip() for a in self.sns_topic_arns.split(",") if a.strip()) or None

    @property
    def any_topic(self) -> bool:
        """BOUNCEFLOW_SNS_TOPIC_ARNS=* : every topic accepted (insecure; warned at start)."""
        return ANY_TOPIC in (self.topic_arns or ())

    @property
    def basic_auth_pair(self) -> tuple[str, str] | None:
        if self.webhook_basic_auth is None:
            return None
        user, _, password = self.webhook_basic_auth.get_secret_value().partition(":")
        return user, password


def worker_count(setting: str, cpus: int | None = None) -> int:
    """A positive number, or `auto`: one per CPU this process may use, at most 4."""
    if setting.strip().lower() == "auto":
        return max(1, min(4, cpus if cpus is not None else len(os.sched_getaffinity(0))))
    try:
        count = int(setting)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError("must be a positive number or auto")
    return count


def load_settings() -> Settings:
    """Build the settings once; a bad value raises SettingsError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:  # a whole-model check names the variable in its message
            raise SettingsError(
                f"invalid setting {first['msg'].removeprefix('Value error, ')}"
            ) from None
        name = "BOUNCEFLOW_" + str(first["loc"][0]).upper()
        raise SettingsError(f"invalid setting {name}: {first['msg']}") from None
