"""Each provider's request authentication, done at send time as the provider does it.

Signing providers sign with the demo's keys (demo/keys.py). Postmark, SparkPost, Mailjet
and Brevo do not sign: they send the basic-auth credentials an operator puts in the
webhook URL, and so does SES here (an SNS signature needs a certificate fetched from AWS).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from urllib.parse import parse_qsl

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from demo.keys import DemoKeys
from demo.processes import basic_auth

BASIC = ("demo", "demo-password-1234")  # BOUNCEFLOW_WEBHOOK_BASIC_AUTH, user:password
_AUTH = re.compile(rb'("auth"\s*:\s*")([^"]*)(")')

Headers = dict[str, str]


def mailgun(body: bytes, key: str, now: int) -> tuple[bytes, Headers]:
    """HMAC-SHA256 over timestamp + token, in the body's `signature` block."""
    doc = orjson.loads(body)
    ts, token = str(now), secrets.token_hex(25)
    sig = hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
    doc["signature"] = {"timestamp": ts, "token": token, "signature": sig}
    return orjson.dumps(doc), {}


def sendgrid(body: bytes, keys: DemoKeys, now: int) -> Headers:
    """Signed Event Webhook: ECDSA P-256 / SHA-256 over the timestamp + body, base64 DER."""
    ts = str(now)
    sig = keys.sendgrid.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(sig).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": ts,
    }


def mandrill(body: bytes, key: str, url: str) -> Headers:
    """X-Mandrill-Signature: base64 HMAC-SHA1 of the URL + the form fields sorted by name."""
    fields = parse_qsl(body.decode(), keep_blank_values=True)
    signed = url + "".join(name + value for name, value in sorted(fields))
    digest = hmac.new(key.encode(), signed.encode(), hashlib.sha1).digest()
    return {"X-Mandrill-Signature": base64.b64encode(digest).decode()}


def svix(body: bytes, secret: str, now: int) -> Headers:
    """Resend (Svix): v1 HMAC-SHA256 over "id.timestamp.body", keyed by the whsec_ secret."""
    msg_id, ts = f"msg_{secrets.token_hex(12)}", str(now)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    sig = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return {
        "svix-id": msg_id,
        "svix-timestamp": ts,
        "svix-signature": "v1," + base64.b64encode(sig).decode(),
    }


def postal(body: bytes, keys: DemoKeys) -> Headers:
    """RSA PKCS#1 v1.5 over the body: SHA-256 (Postal >= 3) and the legacy SHA-1."""
    sign = keys.postal.sign
    legacy = hashes.SHA1()  # Postal's legacy header, sent beside SHA-256
    return {
        "X-Postal-Signature-256": base64.b64encode(
            sign(body, padding.PKCS1v15(), hashes.SHA256())
        ).decode(),
        "X-Postal-Signature": base64.b64encode(sign(body, padding.PKCS1v15(), legacy)).decode(),
    }


def hex_hmac(body: bytes, secret: str) -> str:
    """MailerSend `Signature` / Mailtrap `Mailtrap-Signature`: hex HMAC-SHA256 of the body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def unisender_go(body: bytes, api_key: str) -> bytes:
    """The body with `auth` = md5 of the body whose `auth` value is the API key."""
    with_key, n = _AUTH.subn(lambda m: m[1] + api_key.encode() + m[3], body, count=1)
    if n != 1:
        raise ValueError("an Unisender Go body carries an auth field")
    digest = hashlib.md5(with_key, usedforsecurity=False).hexdigest().encode()
    return _AUTH.sub(lambda m: m[1] + digest + m[3], with_key, count=1)


def authenticate(
    provider: str, body: bytes, keys: DemoKeys, url: str, now: int
) -> tuple[bytes, Headers, str]:
    """(body, extra headers, how) for one request to `url`, the provider's webhook URL."""
    signers: dict[str, Callable[[], tuple[bytes, Headers]]] = {
        "mailgun": lambda: mailgun(body, keys.mailgun, now),
        "sendgrid": lambda: (body, sendgrid(body, keys, now)),
        "mandrill": lambda: (body, mandrill(body, keys.mandrill, url)),
        "resend": lambda: (body, svix(body, keys.resend, now)),
        "postal": lambda: (body, postal(body, keys)),
        "mailersend": lambda: (body, {"Signature": hex_hmac(body, keys.mailersend)}),
        "mailtrap": lambda: (body, {"Mailtrap-Signature": hex_hmac(body, keys.mailtrap)}),
        "unisender_go": lambda: (unisender_go(body, keys.unisender_go), {}),
    }
    if provider in signers:
        signed, headers = signers[provider]()
        return signed, headers, "signed"
    return body, {"Authorization": basic_auth(*BASIC)}, "basic"
