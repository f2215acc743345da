"""What every provider webhook module exposes; the route in services/ingest reads only this.

A provider module (`services/ingest/providers/<name>.py`) defines, at module level:

    NAME: Final = "<name>"                     # the path segment of /api/v1/webhooks/<name>
    def authenticate(req: WebhookRequest, settings: Settings) -> Verdict
    def well_formed(req: WebhookRequest) -> str | None   # a 400 reason, or None

Both are pure (no I/O; the clock comes in as `req.now`), so they are unit-tested
without a server. The one exception is SES: an SNS signature needs its certificate,
fetched once and cached, so `ses.authenticate` is a coroutine reading
`req.certificates`; the registry (registry.py) accepts either form.

Basic auth (BOUNCEFLOW_WEBHOOK_BASIC_AUTH) is checked by the route
before `authenticate` and reported in `req.basic_ok`; a module decides what it means
for its provider (usually: accepted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from shared.raw import AuthMethod

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = ["AuthMethod", "Verdict", "WebhookRequest", "accepted", "refused"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of an authenticity check."""

    ok: bool
    reason: str = ""
    challenge: bool = False  # answer 401 with WWW-Authenticate: Basic
    token: str | None = None  # a one-time token (Mailgun) for the cross-replica replay guard
    method: AuthMethod | None = None  # set when ok


def accepted(method: AuthMethod, token: str | None = None) -> Verdict:
    """A passing verdict that says how the request was authenticated."""
    return Verdict(True, method=method, token=token)


def refused(reason: str, *, challenge: bool = False) -> Verdict:
    """A failing verdict; `reason` is shown to the caller in the 401 envelope."""
    return Verdict(False, reason, challenge=challenge)


class SigningCertificates(Protocol):
    """Where a provider whose signatures need a fetched certificate (SNS) gets its keys."""

    def trusted(self, url: object) -> bool:
        """Whether certificates may be fetched from `url` at all."""
        ...

    async def get(self, url: str) -> RSAPublicKey:
        """The key of the certificate at `url` (cached); ValueError when unusable."""
        ...


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """What authentication and the well-formedness check may read of one request."""

    url: str  # the public URL the provider posted to (BOUNCEFLOW_PUBLIC_URL + path + query)
    headers: Mapping[str, str]  # case-insensitive (aiohttp CIMultiDictProxy)
    content_type: str  # lower-case media type without parameters
    body: bytes
    now: float  # epoch seconds
    basic_ok: bool = False  # valid BOUNCEFLOW_WEBHOOK_BASIC_AUTH credentials were sent
    certificates: SigningCertificates | None = None  # for async authenticators (SES via SNS)
