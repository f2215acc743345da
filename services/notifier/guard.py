"""Where webhooks may go: no loopback, private or link-local destinations unless allowed.

Checked at connect time (not only when the endpoint is registered) so a DNS
answer that changes later cannot point us at an internal service.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: IPAddress) -> bool:
    """True for globally routable unicast addresses only."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def refusal(url: str, allow_private: bool) -> str | None:
    """Why `url` may not be posted to, or None when it may.

    Names are checked later by `PublicOnlyResolver`; here only the scheme and an
    IP-literal host, which aiohttp connects to without asking the resolver.
    """
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return "invalid endpoint URL"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "endpoint URL must be http(s) with a host"
    if allow_private:
        return None
    try:
        address = ipaddress.ip_address(parsed.host)
    except ValueError:
        return None  # a name: checked when it is resolved
    if not is_public(address):
        return "endpoint address is not public (BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS is false)"
    return None


class PublicOnlyResolver(AbstractResolver):
    """Resolves like aiohttp's default resolver, then drops non-public addresses.

    When nothing public is left the lookup fails (socket.gaierror), which aiohttp
    reports as a connection error: the attempt fails and is retried by schedule.
    """

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        public = [r for r in found if is_public(ipaddress.ip_address(r["host"]))]
        if not public:
            # a gaierror carries its text in strerror, which aiohttp puts in its message
            raise socket.gaierror(
                socket.EAI_NONAME, f"{host} resolves only to non-public addresses"
            )
        return public

    async def close(self) -> None:
        await self._inner.close()
