"""The demo's webhook keys, made afresh at every start, and the settings that hand them to
the ingest: what an operator copies from each provider's console into BOUNCEFLOW_*."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def _svix_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _b64_der(key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _token() -> str:
    return secrets.token_hex(16)  # 32 characters: above the 16-character minimum


@dataclass(frozen=True, slots=True)
class DemoKeys:
    """One secret per signing provider; the key pairs stand for the ones SendGrid makes for
    a Signed Event Webhook and a Postal installation has."""

    mailgun: str = field(default_factory=_token)
    mandrill: str = field(default_factory=_token)
    resend: str = field(default_factory=_svix_secret)
    mailersend: str = field(default_factory=_token)
    mailtrap: str = field(default_factory=_token)
    unisender_go: str = field(default_factory=_token)
    sendgrid: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    postal: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    @property
    def sendgrid_public(self) -> str:
        """The verification key as SendGrid shows it: base64 DER."""
        return _b64_der(self.sendgrid.public_key())

    @property
    def postal_public(self) -> str:
        """The public key as Postal shows it (`postal default-dkim-record`'s `p=`: base64 DER)."""
        return _b64_der(self.postal.public_key())

    def settings(self, public_url: str) -> dict[str, str]:
        """The ingest's settings for these keys; Mandrill signs `public_url` + the path."""
        return {
            "BOUNCEFLOW_PUBLIC_URL": public_url,
            "BOUNCEFLOW_MAILGUN_SIGNING_KEY": self.mailgun,
            "BOUNCEFLOW_SENDGRID_PUBLIC_KEY": self.sendgrid_public,
            "BOUNCEFLOW_MANDRILL_WEBHOOK_KEY": self.mandrill,
            "BOUNCEFLOW_RESEND_WEBHOOK_SECRET": self.resend,
            "BOUNCEFLOW_POSTAL_PUBLIC_KEY": self.postal_public,
            "BOUNCEFLOW_MAILERSEND_SIGNING_SECRET": self.mailersend,
            "BOUNCEFLOW_MAILTRAP_SIGNING_SECRET": self.mailtrap,
            "BOUNCEFLOW_UNISENDER_GO_API_KEY": self.unisender_go,
        }
