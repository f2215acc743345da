"""The raw provider request as it travels through the broker, ingest -> processor.

The AMQP body is the request body, byte for byte; what the processor needs
besides (provider, content type, selected headers, received-at) rides in the
AMQP headers, and the ingest event id is the AMQP message_id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class AuthMethod(StrEnum):
    """How ingest authenticated a request; travels with the raw event to the processor."""

    SIGNATURE = "signature"  # the provider's own signature over the body
    SNS_SIGNATURE = "sns-signature"  # a signed SNS envelope: only its signed fields count
    BASIC = "basic"  # HTTP basic auth (or a bearer token) we configured at the provider
    TOKEN = "token"  # noqa: S105 -- a shared secret inside the body (Unisender Go `auth`)
    API_KEY = "api-key"  # our own management API key (DSN route)


# The AMQP content type of a message holding one raw event (its body as the provider sent it).
CONTENT_TYPE = "application/octet-stream"

# Request headers the processor needs for parsing and dedup (lower-case).
FORWARDED_HEADERS = (
    "content-type",
    "x-amz-sns-message-type",
    "x-amz-sns-message-id",
    "x-amz-sns-topic-arn",
    "x-amz-sns-rawdelivery",
)


@dataclass(frozen=True, slots=True)
class RawEvent:
    """A provider request accepted by ingest."""

    event_id: str
    provider: str
    body: bytes
    received_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    # how ingest authenticated the request ("sns-signature", "basic", ...); None for
    # events queued before ingest recorded it
    auth: str | None = None

    def amqp_headers(self) -> dict[str, Any]:
        """AMQP header table for this event (all values strings)."""
        table: dict[str, Any] = {f"h-{k}": v for k, v in self.headers.items()}
        table["provider"] = self.provider
        table["received-at"] = self.received_at.isoformat()
        if self.auth is not None:
            table["auth"] = self.auth
        return table

    @classmethod
    def from_amqp(
        cls, message_id: str | None, headers: Mapping[str, object], body: bytes
    ) -> RawEvent:
        """Rebuild a RawEvent from an AMQP message; raises ValueError when it is not one."""
        provider = headers.get("provider")
        received = headers.get("received-at")
        if not isinstance(provider, str) or not isinstance(received, str) or not message_id:
            raise ValueError("not a bounceflow raw event: provider/received-at/message_id missing")
        try:
            received_at = datetime.fromisoformat(received)
        except ValueError:
            raise ValueError(f"bad received-at header {received!r}") from None
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        fwd = {
            k[2:]: v.decode() if isinstance(v, bytes) else str(v)
            for k, v in headers.items()
            if k.startswith("h-")
        }
        auth = headers.get("auth")
        if isinstance(auth, bytes):
            auth = auth.decode()
        return cls(
            message_id, provider, body, received_at, fwd, auth if isinstance(auth, str) else None
        )
