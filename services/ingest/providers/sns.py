"""SNS, the envelope SES events arrive in: signatures, the certificate cache, control messages.

Signatures (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA): the pure part
builds the canonical string and checks a signature with a certificate;
`CertificateCache` fetches each trusted SigningCertURL once.

Control messages: a subscription is confirmed by fetching SubscribeURL, but only
when that URL matches BOUNCEFLOW_SNS_URL_PATTERN (so a forged message cannot make
us fetch an arbitrary URL). An UnsubscribeConfirmation is logged, never acted on.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson
import structlog
from aiohttp import web
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from services.ingest.errors import error_response
from services.ingest.providers.base import (
    AuthMethod,
    SigningCertificates,
    Verdict,
    accepted,
    refused,
)
from shared.settings import Settings

log = structlog.get_logger(__name__)

_NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_CACHED_CERTS = 64


def canonical_string(message: Mapping[str, Any]) -> bytes:
    """The bytes SNS signed: `name\\nvalue\\n` for each signed field present, in order."""
    kind = message.get("Type")
    fields = _NOTIFICATION_FIELDS if kind == "Notification" else _CONFIRMATION_FIELDS
    parts = []
    for name in fields:
        value = message.get(name)
        if value is None:
            if name == "Subject":
                continue  # optional: left out when absent
            raise ValueError(f"signed field {name} missing")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode()


def signing_key(cert_pem: bytes) -> rsa.RSAPublicKey:
    """The RSA public key of an SNS signing certificate; ValueError if it has none."""
    key = x509.load_pem_x509_certificate(cert_pem).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("SNS certificate has no RSA key")
    return key


def verify_with_certificate(message: Mapping[str, Any], cert_pem: bytes) -> Verdict:
    """Check `message`'s Signature against the certificate in `cert_pem`."""
    try:
        key = signing_key(cert_pem)
    except ValueError as exc:
        return refused(f"SNS certificate unreadable: {exc}")
    return verify_signature(message, key)


def verify_signature(message: Mapping[str, Any], key: rsa.RSAPublicKey) -> Verdict:
    """Check `message`'s Signature (SHA1withRSA or SHA256withRSA) against `key`."""
    algorithm = _HASHES.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        return refused("unsupported SNS SignatureVersion")
    try:
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
        data = canonical_string(message)
    except (binascii.Error, ValueError) as exc:
        return refused(f"SNS signature unreadable: {exc}")
    try:
        key.verify(signature, data, padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        return refused("SNS signature does not verify")
    return accepted(AuthMethod.SNS_SIGNATURE)


class CertificateCache:
    """Signing keys by certificate URL, fetched and parsed once, only from URLs matching
    the pattern."""

    def __init__(self, session: aiohttp.ClientSession, url_pattern: str) -> None:
        self._session = session
        self._pattern = re.compile(url_pattern)
        self._certs: dict[str, rsa.RSAPublicKey] = {}
        self._lock = asyncio.Lock()

    def trusted(self, url: object) -> bool:
        return isinstance(url, str) and self._pattern.match(url) is not None

    async def get(self, url: str) -> rsa.RSAPublicKey:
        """The signing key of the certificate at `url`; ValueError when untrusted or unreadable."""
        if not self.trusted(url):
            raise ValueError("SigningCertURL does not match BOUNCEFLOW_SNS_URL_PATTERN")
        if (cert := self._certs.get(url)) is not None:
            return cert
        async with self._lock:
            if (cert := self._certs.get(url)) is not None:
                return cert
            try:
                async with self._session.get(url, allow_redirects=False) as resp:
                    if resp.status != 200:
                        raise ValueError(f"SigningCertURL answered {resp.status}")
                    pem = await resp.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise ValueError(f"SigningCertURL unreachable: {exc}") from None
            key = signing_key(pem)
            if len(self._certs) >= MAX_CACHED_CERTS:
                self._certs.pop(next(iter(self._certs)))
            self._certs[url] = key
            return key


_TYPES = frozenset({"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"})


def envelope_problem(message: Mapping[str, Any]) -> str | None:
    """Why `message` is not a well-typed signed SNS envelope, or None.

    Everything authentication reads is checked here first, so a field of the wrong
    type (a TopicArn that is an object, say) is a clear refusal, never a crash."""
    kind = message.get("Type")
    if not isinstance(kind, str) or kind not in _TYPES:
        return "SNS Type is missing or unknown"
    fields = _NOTIFICATION_FIELDS if kind == "Notification" else _CONFIRMATION_FIELDS
    for name in (*fields, "Signature", "SigningCertURL"):
        value = message.get(name)
        if name == "SigningCertURL" and value is None:
            value = message.get("SigningCertUrl")
        if name == "Subject" and value is None:
            continue
        if not isinstance(value, str):
            return f"SNS field {name} is missing or not a string"
    if not isinstance(message.get("SignatureVersion"), str | int):
        return "SNS SignatureVersion is missing or not a string"
    return None


async def verify_sns(message: Mapping[str, Any], certs: SigningCertificates) -> Verdict:
    """A signed SNS envelope: well typed, trusted certificate URL, valid signature.

    Which topics are accepted is the caller's decision (CONTRACT §2)."""
    if problem := envelope_problem(message):
        return refused(problem)
    url = message.get("SigningCertURL") or message.get("SigningCertUrl")
    if not certs.trusted(url):
        return refused("SigningCertURL does not match BOUNCEFLOW_SNS_URL_PATTERN")
    try:
        key = await certs.get(str(url))
    except ValueError as exc:
        return refused(str(exc))
    return verify_signature(message, key)


async def handle_sns_control(
    session: aiohttp.ClientSession, settings: Settings, body: bytes
) -> web.Response | None:
    """The response to an SNS control message, or None for a notification."""
    doc = orjson.loads(body)
    kind = doc.get("Type") if isinstance(doc, dict) else None
    if kind == "UnsubscribeConfirmation":
        log.warning("sns_unsubscribed", topic=doc.get("TopicArn"))
        return web.json_response({"success": True, "data": {"confirmed": False}})
    if kind != "SubscriptionConfirmation":
        return None
    url = doc.get("SubscribeURL")
    topic = doc.get("TopicArn")
    if not isinstance(url, str) or not re.match(settings.sns_url_pattern, url):
        return error_response(400, "SubscribeURL is missing or not an SNS URL")
    try:
        async with session.get(url, allow_redirects=False) as response:
            ok = response.status == 200
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("sns_confirm_failed", topic=topic, error=str(exc))
        return error_response(
            503, "could not confirm the subscription", headers={"Retry-After": "5"}
        )
    if not ok:
        log.warning("sns_confirm_failed", topic=topic, status=response.status)
        return error_response(503, "SNS refused the confirmation", headers={"Retry-After": "5"})
    log.info("sns_subscribed", topic=topic)
    return web.json_response({"success": True, "data": {"confirmed": True}})
