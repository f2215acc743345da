"""Batched token claims (TokenClaims) decide exactly as one claim at a time would."""

from __future__ import annotations

import asyncio

import asyncpg

from shared.replay_guard import TokenClaim, TokenClaims, claim_token


async def test_concurrent_claims_of_distinct_tokens_are_all_first(db: asyncpg.Pool) -> None:
    claims = TokenClaims(db)
    got = await asyncio.gather(*(claims.claim("mailgun", f"t{i}", b"body") for i in range(50)))
    assert got == [TokenClaim.FIRST] * 50
    assert await db.fetchval("SELECT count(*) FROM replay_guard WHERE token LIKE 't%'") == 50


async def test_one_token_claimed_at_once_many_times(db: asyncpg.Pool) -> None:
    claims = TokenClaims(db)
    same = await asyncio.gather(*(claims.claim("mailgun", "dup", b"body") for _ in range(5)))
    assert sorted(c.value for c in same) == ["first"] + ["replayed"] * 4
    other = await asyncio.gather(
        claims.claim("mailgun", "dup2", b"a"), claims.claim("mailgun", "dup2", b"b")
    )
    assert sorted(c.value for c in other) == ["first", "forged"]


async def test_a_token_seen_before_is_replayed_or_forged(db: asyncpg.Pool) -> None:
    assert await claim_token(db, "mailgun", "seen", b"body") is TokenClaim.FIRST
    claims = TokenClaims(db)
    again, forged, fresh = await asyncio.gather(
        claims.claim("mailgun", "seen", b"body"),
        claims.claim("mailgun", "seen", b"other"),
        claims.claim("mailgun", "fresh", b"body"),
    )
    assert (again, forged, fresh) == (TokenClaim.REPLAYED, TokenClaim.FORGED, TokenClaim.FIRST)
