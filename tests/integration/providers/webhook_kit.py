"""How each batch 2 provider authenticates a request, for the HTTP tests and the fuzz test:
the settings that configure its own check, and a signer that makes a body pass it.

A signer takes (body, secret, now) and returns the body to send (Unisender Go puts its
check inside the body) and the headers that authenticate it. `secret` is the right key
in `Auth.secret`, or `Auth.wrong` for the wrong-key case.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from services.ingest.providers import mandrill
from shared.raw import AuthMethod
from tests.provider_fixtures import fixture_json

PUBLIC_URL = "https://hooks.bounceflow.test"
Signer = Callable[[bytes, str, float], tuple[bytes, dict[str, str]]]


@dataclass(frozen=True, slots=True)
class Auth:
    """One provider's own authentication, configured and signed."""

    provider: str
    fixture: str  # the real body posted in the happy path
    settings: dict[str, Any]  # Settings fields that configure the provider's own check
    secret: str
    wrong: str
    sign: Signer
    method: AuthMethod  # the `auth` header the raw message carries
    signs_body: bool = True  # False: a credential that does not cover the body
    signs_time: bool = False  # a signed timestamp (a stale request is refused)


def _basic(_body: bytes, secret: str, _now: float) -> tuple[bytes, dict[str, str]]:
    return _body, {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


def _bearer(body: bytes, secret: str, _now: float) -> tuple[bytes, dict[str, str]]:
    return body, {"Authorization": f"Bearer {secret}"}


def _mandrill(body: bytes, secret: str, _now: float) -> tuple[bytes, dict[str, str]]:
    fields = mandrill._fields(body) or []
    url = PUBLIC_URL + "/api/v1/webhooks/mandrill"
    return body, {mandrill.HEADER: mandrill.signature(secret, url, fields)}


def _svix(body: bytes, secret: str, now: float) -> tuple[bytes, dict[str, str]]:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, stamp = "msg_bounceflowtest", str(int(now))
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    signature = "v1," + base64.b64encode(digest).decode()
    return body, {"svix-id": msg_id, "svix-timestamp": stamp, "svix-signature": signature}


@cache
def _rsa_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _postal(body: bytes, secret: str, _now: float) -> tuple[bytes, dict[str, str]]:
    sig = _rsa_key(secret).sign(body, padding.PKCS1v15(), hashes.SHA256())
    return body, {"X-Postal-Signature-256": base64.b64encode(sig).decode()}


def _hex_hmac(header: str) -> Signer:
    def sign(body: bytes, secret: str, _now: float) -> tuple[bytes, dict[str, str]]:
        return body, {header: hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}

    return sign


_AUTH_FIELD = re.compile(rb'("auth"\s*:\s*")[0-9a-fA-F]{32}(")')


def _unisender(body: bytes, secret: str, _now: float) -> tuple[bytes, dict[str, str]]:
    """Replace the body's `auth` with md5(body with auth = the API key); unchanged when
    the body has no `auth` field."""
    placeholder = "0" * 32
    template, n = _AUTH_FIELD.subn(lambda m: m[1] + placeholder.encode() + m[2], body, count=1)
    if n != 1:
        return body, {}
    keyed = template.replace(f'"{placeholder}"'.encode(), f'"{secret}"'.encode(), 1)
    digest = hashlib.md5(keyed, usedforsecurity=False).hexdigest()
    return template.replace(f'"{placeholder}"'.encode(), f'"{digest}"'.encode(), 1), {}


@cache
def _postal_keys() -> tuple[str, str, str]:
    """(private PEM of the fixtures' key pair, its public PEM, another private PEM)."""
    verification = fixture_json("postal", "postaldocs-message-bounced")["verification"]
    private = str(verification["private_key_pem_TEST_ONLY"])
    public = (
        _rsa_key(private)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return private, public, other_pem


def _s(value: str) -> SecretStr:
    return SecretStr(value)


BASIC_CREDS = "hooks:s3cret-hooks-s3cret"
WRONG_CREDS = "hooks:not-the-password"
RESEND_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RESEND_WRONG = "whsec_" + base64.b64encode(b"another secret entirely!").decode()
HEX_KEY = "8d9a3c0e7f5b2d4a6c1e9f8b3a7d5c2e"


def auths() -> list[Auth]:
    """The table: provider -> (settings, signer), one row per batch 2 provider."""
    private, public, other = _postal_keys()
    return [
        Auth("postmark", "anymail-bounce-hardbounce-550-5.1.1",
             {"postmark_token": _s("pm-token-1")}, "pm-token-1", "pm-token-2",
             _bearer, AuthMethod.BASIC, signs_body=False),
        Auth("sparkpost", "anymail-bounce-class-10-550-user-unknown",
             {"sparkpost_basic_auth": _s(BASIC_CREDS)}, BASIC_CREDS, WRONG_CREDS,
             _basic, AuthMethod.BASIC, signs_body=False),
        Auth("mailjet", "anymail-bounce-hard-invalid-domain",
             {"webhook_basic_auth": _s(BASIC_CREDS)}, BASIC_CREDS, WRONG_CREDS,
             _basic, AuthMethod.BASIC, signs_body=False),
        Auth("brevo", "anymail-blocked-blacklisted-user",
             {"brevo_token": _s("brevo-token-1")}, "brevo-token-1", "brevo-token-2",
             _bearer, AuthMethod.BASIC, signs_body=False),
        Auth("mandrill", "anymail-hard-bounce-bad-mailbox-550-5.1.1",
             {"mandrill_webhook_key": _s("mandrill-key-1"), "public_url": PUBLIC_URL},
             "mandrill-key-1", "mandrill-key-2", _mandrill, AuthMethod.SIGNATURE),
        Auth("resend", "anymail-bounced-hard-no-bounce-type",
             {"resend_webhook_secret": _s(RESEND_SECRET)}, RESEND_SECRET, RESEND_WRONG,
             _svix, AuthMethod.SIGNATURE, signs_time=True),
        Auth("postal", "postaldocs-message-bounced", {"postal_public_key": public},
             private, other, _postal, AuthMethod.SIGNATURE),
        Auth("mailersend", "anymail-activity-hard-bounced-host-not-found",
             {"mailersend_signing_secret": _s(HEX_KEY)}, HEX_KEY, HEX_KEY[::-1],
             _hex_hmac("Signature"), AuthMethod.SIGNATURE),
        Auth("unisender_go", "anymail-single-hard-bounced-err-user-unknown",
             {"unisender_go_api_key": _s("TEST_API_KEY")}, "TEST_API_KEY", "WRONG_API_KEY",
             _unisender, AuthMethod.TOKEN),
        Auth("mailtrap", "mtdocs-jsonl-mixed-delivery-open-click",
             {"mailtrap_signing_secret": _s(HEX_KEY)}, HEX_KEY, HEX_KEY[::-1],
             _hex_hmac("Mailtrap-Signature"), AuthMethod.SIGNATURE),
    ]  # fmt: skip


AUTHS = {a.provider: a for a in auths()}
# What each provider's settings switch off besides its own: nothing else lets a request in.
UNCONFIGURED: dict[str, Any] = {"webhook_basic_auth": None}
