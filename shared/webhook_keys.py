"""Parsing of provider webhook keys, shared by the settings check at start-up and the
ingest's signature checks (issue 10, batch 2). Pure; raises ValueError with a reason."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

_SVIX_PREFIX = "whsec_"


@lru_cache(maxsize=8)
def svix_secrets(setting: str) -> tuple[bytes, ...]:
    """The HMAC keys of comma-separated Svix / Standard Webhooks secrets ("whsec_<base64>").

    A secret without the "whsec_" prefix is read as the bare base64 part."""
    keys: list[bytes] = []
    for part in setting.split(","):
        secret = part.strip()
        if not secret:
            continue
        secret = secret.removeprefix(_SVIX_PREFIX)
        try:
            key = base64.b64decode(secret, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("must be whsec_<base64> secrets, comma-separated") from None
        if len(key) < 16:
            raise ValueError("a whsec_ secret must decode to at least 16 bytes")
        keys.append(key)
    if not keys:
        raise ValueError("must be whsec_<base64> secrets, comma-separated")
    return tuple(keys)


@lru_cache(maxsize=8)
def rsa_public_key(setting: str) -> rsa.RSAPublicKey:
    """An RSA public key given as PEM or as the base64 DER (SubjectPublicKeyInfo) that
    Postal shows in its DKIM-style record (`p=` value, with or without the "p=")."""
    text = setting.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = load_pem_public_key(text.encode())
        else:
            der = base64.b64decode("".join(text.removeprefix("p=").split()), validate=True)
            key = load_der_public_key(der)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError(
            "must be an RSA public key: base64 DER (as Postal shows it) or PEM"
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("must be an RSA public key")
    return key
