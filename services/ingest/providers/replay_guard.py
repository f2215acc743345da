"""Mailgun token replay guard.

Mailgun's HMAC covers timestamp + token only, not the body, so a captured
signature could carry forged event data within the tolerance window. Each
token is accepted once per ingest process while its timestamp is fresh; a
replay gets 200 without being queued again (Mailgun's own duplicate sends
stay harmless, forged bodies go nowhere). Across replicas, the processor's
dedup still keeps duplicates from counting twice.
"""

from __future__ import annotations

import time
from collections import OrderedDict

MAX_TOKENS = 200_000  # memory bound: ~30 MB worst case


class ReplayGuard:
    """Tokens seen in the last `ttl` seconds (monotonic clock)."""

    def __init__(self, ttl: float, max_tokens: int = MAX_TOKENS) -> None:
        self._ttl = ttl
        self._max = max_tokens
        self._seen: OrderedDict[str, float] = OrderedDict()

    def _prune(self, now: float) -> None:
        while self._seen:
            token, expires = next(iter(self._seen.items()))
            if expires > now and len(self._seen) <= self._max:
                break
            del self._seen[token]

    def seen(self, token: str) -> bool:
        now = time.monotonic()
        self._prune(now)
        return token in self._seen

    def remember(self, token: str) -> None:
        now = time.monotonic()
        self._seen[token] = now + self._ttl
        self._seen.move_to_end(token)
        self._prune(now)
