"""Postal webhooks, signed with the installation's RSA key (PKCS#1 v1.5) over the raw
body: `X-Postal-Signature-256` (SHA-256, Postal >= 3) and `X-Postal-Signature` (SHA-1,
every version). The SHA-256 signature is required when present; the SHA-1 one is
accepted only from Postals that send nothing else. The public key
(BOUNCEFLOW_POSTAL_PUBLIC_KEY) is the base64 DER Postal shows (`postal
default-dkim-record`, the `p=` value) or PEM. No timestamp is signed: replays are
dropped by the processor's `uuid` dedup. Basic auth in the webhook URL is accepted too
(Postal sends URL credentials as basic auth)."""

from __future__ import annotations

import base64
import binascii
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from services.ingest.providers.base import AuthMethod, Verdict, WebhookRequest, accepted
from services.ingest.providers.checks import json_object_reason, without_signature
from shared.settings import Settings
from shared.webhook_keys import rsa_public_key

NAME: Final = "postal"
SETTING: Final = "BOUNCEFLOW_POSTAL_PUBLIC_KEY"


def _verifies(key_setting: str, req: WebhookRequest) -> bool:
    sig256 = req.headers.get("X-Postal-Signature-256")
    sig1 = req.headers.get("X-Postal-Signature")
    # SHA-1 only from a Postal that sends no SHA-256 signature (versions before 3)
    legacy = hashes.SHA1()  # noqa: S303
    header, algorithm = (sig256, hashes.SHA256()) if sig256 else (sig1, legacy)
    if not header:
        return False
    try:
        signature = base64.b64decode("".join(header.split()), validate=True)
        rsa_public_key(key_setting).verify(signature, req.body, padding.PKCS1v15(), algorithm)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def authenticate(req: WebhookRequest, settings: Settings) -> Verdict:
    """RSA signature when the public key is set; else (or on failure) basic auth."""
    if settings.postal_public_key is None:
        return without_signature(req, "Postal", SETTING, "signature not configured")
    if _verifies(settings.postal_public_key, req):
        return accepted(AuthMethod.SIGNATURE)
    return without_signature(req, "Postal", SETTING, "signature missing or wrong")


def well_formed(req: WebhookRequest) -> str | None:
    """Postal posts one JSON object."""
    return json_object_reason(req.body, "Postal")
