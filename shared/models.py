"""The canonical event model every provider parser produces, and the shared enums."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Source(StrEnum):
    """Where an event came from."""

    SES = "ses"
    MAILGUN = "mailgun"
    SENDGRID = "sendgrid"
    POSTMARK = "postmark"
    SPARKPOST = "sparkpost"
    MAILJET = "mailjet"
    BREVO = "brevo"
    MANDRILL = "mandrill"
    DSN = "dsn"
    API = "api"
    RESEND = "resend"
    POSTAL = "postal"
    MAILERSEND = "mailersend"
    UNISENDER_GO = "unisender_go"
    MAILTRAP = "mailtrap"


class EventKind(StrEnum):
    """Normalised kinds (CONTRACT §4); IGNORED events are accepted and dropped."""

    HARD = "hard"
    SOFT = "soft"
    COMPLAINT = "complaint"
    DELIVERY = "delivery"
    IGNORED = "ignored"


BOUNCE_KINDS = frozenset({EventKind.HARD, EventKind.SOFT, EventKind.COMPLAINT})


class Status(StrEnum):
    """Subscriber statuses (seed 000)."""

    ACTIVE = "active"
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"


class CanonicalEvent(BaseModel):
    """One provider event about one recipient, in provider-neutral form.

    `dedup_key` identifies the event across provider retries and broker
    redeliveries: the same key is applied at most once.
    """

    model_config = ConfigDict(frozen=True)

    dedup_key: str = Field(min_length=1, max_length=512)
    source: Source
    kind: EventKind
    email: str = Field(min_length=3, max_length=320)
    occurred_at: datetime
    bounce_subtype: str | None = None
    smtp_code: str | None = None
    enhanced_code: str | None = None
    diagnostic: str | None = None
    provider_message_id: str | None = None
    campaign_name: str | None = None
    subscriber_name: str | None = None
    # the domain the message was sent from (lower-case ASCII/IDNA form), None when unknown
    sending_domain: str | None = Field(default=None, max_length=253)
