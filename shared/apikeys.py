"""Management API keys: creation, listing, revocation and authentication.

A key is `bf_` + 43 url-safe characters (32 random bytes). Only its SHA-256
digest is stored, with a display prefix (the first 8 characters) so an operator
can tell keys apart; the key itself is shown once, at creation, and never logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from shared.db import Conn

KEY_PREFIX = "bf_"
DISPLAY_PREFIX_LENGTH = 8
SCOPES = ("subscribers", "subscribers:read", "webhooks", "admin")
# `<scope>:read` grants a scope's reads only: what a sending app needs to ask "may I send?"
READ_SUFFIX = ":read"
ADMIN_SCOPE = "admin"
# Longer than any key we issue; anything bigger is not worth hashing.
MAX_KEY_LENGTH = 256


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """What is known about a key, never the key itself."""

    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, scope: str, *, read: bool = False) -> bool:
        """True when the key holds `scope`; `admin` implies every scope, and for a
        read (`read=True`) `<scope>:read` is enough."""
        if scope in self.scopes or ADMIN_SCOPE in self.scopes:
            return True
        return read and scope + READ_SUFFIX in self.scopes

    def describe(self) -> str:
        """One line for `bounceflow apikey list`."""
        state = f"revoked {self.revoked_at.isoformat()}" if self.revoked_at else "active"
        return (
            f"{self.id}\t{self.name}\t{self.prefix}…\t{','.join(self.scopes)}\t"
            f"created {self.created_at.isoformat()}\t{state}"
        )


def generate_key() -> str:
    """A new random key (32 bytes of entropy)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> bytes:
    """The stored form of a key: its SHA-256 digest."""
    return hashlib.sha256(key.encode()).digest()


def display_prefix(key: str) -> str:
    """The part of a key that may be shown and stored in the clear."""
    return key[:DISPLAY_PREFIX_LENGTH]


def validate_scopes(scopes: Sequence[str]) -> tuple[str, ...]:
    """The scopes, de-duplicated in order; ValueError naming any unknown one."""
    cleaned = tuple(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    if not cleaned:
        raise ValueError(f"at least one scope is required (one of {', '.join(SCOPES)})")
    unknown = [s for s in cleaned if s not in SCOPES]
    if unknown:
        raise ValueError(
            f"unknown scope(s) {', '.join(unknown)}; allowed scopes are {', '.join(SCOPES)}"
        )
    return cleaned


def parse_authorization(header: str | None) -> str | None:
    """The key from `Bearer <key>` or Basic `api:<key>` (Mailgun style); else None."""
    if not header:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if not credentials:
        return None
    if scheme.lower() == "bearer":
        return credentials
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or user != "api" or not password:
        return None
    return password


def _info(row: asyncpg.Record) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=tuple(row["scopes"]),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


async def create_api_key(conn: Conn, name: str, scopes: Sequence[str]) -> str:
    """Store a new key with `scopes` and return it; this is the only time it is seen."""
    name = name.strip()
    if not name:
        raise ValueError("the key needs a name")
    valid = validate_scopes(scopes)
    key = generate_key()
    await conn.execute(
        "INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4)",
        name,
        display_prefix(key),
        hash_key(key),
        list(valid),
    )
    return key


async def list_api_keys(conn: Conn) -> list[ApiKeyInfo]:
    """Every key, revoked ones included, oldest first."""
    rows = await conn.fetch(
        "SELECT id, name, prefix, scopes, created_at, revoked_at FROM api_keys ORDER BY id"
    )
    return [_info(row) for row in rows]


async def revoke_api_key(conn: Conn, key_id: int) -> bool:
    """Revoke key `key_id`; False when there is no such active key."""
    revoked = await conn.fetchval(
        "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id",
        key_id,
    )
    return revoked is not None


async def authenticate(conn: Conn | asyncpg.Pool[Any], key: str) -> ApiKeyInfo | None:
    """The active key matching `key`, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    digest = hash_key(key)
    row = await conn.fetchrow(
        "SELECT id, name, prefix, scopes, created_at, revoked_at, key_hash FROM api_keys "
        "WHERE key_hash = $1 AND revoked_at IS NULL",
        digest,
    )
    # The index lookup found the row; compare the digests in constant time anyway.
    if row is None or not hmac.compare_digest(bytes(row["key_hash"]), digest):
        return None
    return _info(row)
