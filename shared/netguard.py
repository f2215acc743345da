"""Where outgoing webhooks may go: public unicast addresses over http(s) only. Pure.

Used at registration (the management API) and at delivery (the notifier's
resolver), so both refuse the same destinations: loopback, private, link-local,
CGNAT (100.64/10), benchmarking, documentation, multicast, reserved and
unspecified addresses, and IPv6 forms that embed one of those (IPv4-mapped,
NAT64 64:ff9b::/96, 6to4 2002::/16).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = ("http", "https")
PRIVATE_REFUSAL = (
    "resolves to a loopback, private, link-local or reserved address "
    "(set BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS=true to allow)"
)

# Not global, yet not all flagged by this Python's ipaddress (3.11 treats some as global).
_NON_PUBLIC_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # CGNAT shared address space
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "198.18.0.0/15",  # benchmarking
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL points: its scheme, host (no brackets) and port."""

    scheme: str
    host: str
    port: int

    @property
    def literal(self) -> IPAddress | None:
        """The host as an IP address when it is one (no DNS needed), else None."""
        try:
            return ip_address(self.host)
        except ValueError:
            return None


def ip_address(text: str) -> IPAddress:
    """Parse an address, dropping an IPv6 zone ("fe80::1%eth0"); ValueError if not one."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        embedded = _embedded_v4(address)
        if embedded is not None:
            return is_public(embedded)
    elif any(address in net for net in _NON_PUBLIC_V4):
        return False
    flagged = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return address.is_global and not flagged


def all_public(addresses: list[IPAddress]) -> bool:
    """True when there is at least one address and every one is public.

    One non-public answer refuses the name: a record set mixing public and
    internal addresses is how rebinding attacks hedge their bets.
    """
    return bool(addresses) and all(is_public(a) for a in addresses)


def parse_target(url: str) -> Target | str:
    """The URL's destination, or why it cannot be a webhook destination."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "url is not a valid URL"
    if parts.scheme not in SCHEMES:
        return "url must be an http or https URL"
    if not parts.hostname:
        return "url must name a host"
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port)


def redact_url(url: str) -> str:
    """`scheme://host:port/…`: safe for logs (no credentials, path or query tokens)."""
    target = parse_target(url)
    if isinstance(target, str):
        return "<invalid url>"
    host = f"[{target.host}]" if ":" in target.host else target.host
    return f"{target.scheme}://{host}:{target.port}/…"
