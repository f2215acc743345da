"""Where webhooks may go, checked at delivery time (shared.netguard decides).

Checked when connecting, not only when the endpoint was registered, so a DNS
answer that changes later cannot point us at an internal service. The check is
pinned to the connection: aiohttp connects to exactly the addresses its
resolver returns (and caches only those), so `PublicOnlyResolver` sees every
address we will ever connect to for a name; IP-literal hosts skip the
resolver and are checked by `refusal` instead.
"""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from shared import netguard

NOT_PUBLIC = "endpoint address is not public (BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS is false)"


def refusal(url: str, allow_private: bool) -> str | None:
    """Why `url` may not be posted to, or None when it may.

    Names are checked later by `PublicOnlyResolver`; here only the scheme and an
    IP-literal host, which aiohttp connects to without asking the resolver.
    """
    target = netguard.parse_target(url)
    if isinstance(target, str):
        return f"invalid endpoint URL: {target}"
    if allow_private:
        return None
    literal = target.literal
    if literal is not None and not netguard.is_public(literal):
        return NOT_PUBLIC
    return None


class PublicOnlyResolver(AbstractResolver):
    """Resolves with `inner` (aiohttp's default resolver unless given), then refuses
    the name unless every address is public.

    A refusal is a failed lookup (socket.gaierror), which aiohttp reports as a
    connection error: the attempt fails and is retried by schedule.
    """

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner if inner is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        addresses = [netguard.ip_address(r["host"]) for r in found]
        if not netguard.all_public(addresses):
            # a gaierror carries its text in strerror, which aiohttp puts in its message
            raise socket.gaierror(socket.EAI_NONAME, f"{host} resolves to non-public addresses")
        return found

    async def close(self) -> None:
        await self._inner.close()
