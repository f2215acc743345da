"""Replay guard for signatures that do not cover the body (Mailgun), shared by all replicas.

Mailgun's HMAC covers timestamp + token only, so a captured signature could carry a
forged body within the tolerance window. Each token is claimed once, in Postgres
(`replay_guard`), with a hash of the body it came with: the same token and body again
is Mailgun retrying (harmless; answered 200 and not queued twice), the same token with
another body is refused. Rows older than the tolerance window are pruned (retention).

Claims of concurrent requests are written together (`TokenClaims`): one statement and
one commit (one WAL flush) per batch instead of per request. A batch is sent as soon as
the previous one committed, so a lone request waits for nobody.
"""

from __future__ import annotations

import asyncio
import hashlib
from enum import Enum

import asyncpg

_CLAIM = """
INSERT INTO replay_guard (provider, token, body_sha256) VALUES ($1, $2, $3)
ON CONFLICT (provider, token) DO NOTHING
RETURNING true
"""
# tokens in a fixed order, so two replicas' batches never wait on each other in a cycle
_CLAIM_MANY = """
INSERT INTO replay_guard (provider, token, body_sha256)
SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
ON CONFLICT (provider, token) DO NOTHING
RETURNING provider, token
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


Key = tuple[str, str]  # (provider, token)


class TokenClaims:
    """`claim_token` for concurrent requests, batched: the same outcomes, fewer commits.

    A token seen before (in the table, or twice in one batch) is settled by
    `claim_token` on its own, so replays and forgeries are told apart exactly as there."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._pending: dict[Key, tuple[bytes, asyncio.Future[bool]]] = {}
        self._flusher: asyncio.Task[None] | None = None

    async def claim(self, provider: str, token: str, body: bytes) -> TokenClaim:
        key = (provider, token)
        if key not in self._pending:
            future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._pending[key] = (hashlib.sha256(body).digest(), future)
            if self._flusher is None:
                self._flusher = asyncio.create_task(self._flush(), name="replay-guard-claims")
            if await future:
                return TokenClaim.FIRST
        return await claim_token(self._pool, provider, token, body)

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, {}
                keys = sorted(batch)
                try:
                    async with self._pool.acquire() as conn:
                        rows = await conn.fetch(
                            _CLAIM_MANY,
                            [k[0] for k in keys],
                            [k[1] for k in keys],
                            [batch[k][0] for k in keys],
                        )
                except Exception as exc:  # the database away: each request answers for it
                    for _, future in batch.values():
                        if not future.done():
                            future.set_exception(exc)
                    continue
                won = {(row["provider"], row["token"]) for row in rows}
                for key, (_, future) in batch.items():
                    if not future.done():
                        future.set_result(key in won)
        finally:
            self._flusher = None
