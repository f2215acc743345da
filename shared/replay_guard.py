"""Replay guard for signatures that do not cover the body (Mailgun), shared by all replicas.

Mailgun's HMAC covers timestamp + token only, so a captured signature could carry a
forged body within the tolerance window. Each token is claimed once, in Postgres
(`replay_guard`), with a hash of the body it came with: the same token and body again
is Mailgun retrying (harmless; answered 200 and not queued twice), the same token with
another body is refused. Rows older than the tolerance window are pruned (retention).
"""

from __future__ import annotations

import hashlib
from enum import Enum

import asyncpg

_CLAIM = """
INSERT INTO replay_guard (provider, token, body_sha256) VALUES ($1, $2, $3)
ON CONFLICT (provider, token) DO NOTHING
RETURNING true
"""
_EXISTING = "SELECT body_sha256 FROM replay_guard WHERE provider = $1 AND token = $2"
_RELEASE = "DELETE FROM replay_guard WHERE provider = $1 AND token = $2"


class TokenClaim(Enum):
    """What a token's claim found."""

    FIRST = "first"  # never seen: queue the request
    REPLAYED = "replayed"  # seen with this very body: a provider retry
    FORGED = "forged"  # seen with another body


async def claim_token(pool: asyncpg.Pool, provider: str, token: str, body: bytes) -> TokenClaim:
    """Claim `token` for `body`; raises asyncpg/OS errors when the database is away."""
    digest = hashlib.sha256(body).digest()
    async with pool.acquire() as conn:
        if await conn.fetchval(_CLAIM, provider, token, digest):
            return TokenClaim.FIRST
        existing = await conn.fetchval(_EXISTING, provider, token)
    if existing is None:  # released between the two statements: a retry may take it
        return await claim_token(pool, provider, token, body)
    return TokenClaim.REPLAYED if bytes(existing) == digest else TokenClaim.FORGED


async def release_token(pool: asyncpg.Pool, provider: str, token: str) -> None:
    """Forget a claim whose request was not queued, so the provider's retry is."""
    async with pool.acquire() as conn:
        await conn.execute(_RELEASE, provider, token)
