"""Which webhook destinations are public (shared.netguard): pure, no DNS."""

from __future__ import annotations

import pytest

from shared import netguard


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.0.0.1",
        "10.255.255.254",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "100.127.255.254",
        "0.0.0.0",
        "0.1.2.3",
        "192.0.0.8",  # IETF protocol assignments (3.11's is_global says yes)
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "192.88.99.1",  # 6to4 relay anycast
        "224.0.0.1",  # multicast
        "239.1.2.3",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not netguard.is_public(netguard.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ],
)
def test_public_addresses(address: str) -> None:
    assert netguard.is_public(netguard.ip_address(address))


def test_one_private_answer_refuses_the_name() -> None:
    public, private = netguard.ip_address("8.8.8.8"), netguard.ip_address("10.0.0.1")
    assert netguard.all_public([public])
    assert not netguard.all_public([public, private])
    assert not netguard.all_public([])


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://hooks.example.com/x?y=1", ("https", "hooks.example.com", 443)),
        ("http://hooks.example.com:8080/", ("http", "hooks.example.com", 8080)),
        ("http://[::1]:9/hook", ("http", "::1", 9)),
        ("HTTP://Example.COM/", ("http", "example.com", 80)),
    ],
)
def test_parse_target(url: str, target: tuple[str, str, int]) -> None:
    found = netguard.parse_target(url)
    assert isinstance(found, netguard.Target)
    assert (found.scheme, found.host, found.port) == target


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/x", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("gopher://127.0.0.1:25/", "http or https"),
        ("http:///nohost", "name a host"),
        ("http://example.com:99999/", "not a valid URL"),
    ],
)
def test_parse_target_refuses(url: str, problem: str) -> None:
    found = netguard.parse_target(url)
    assert isinstance(found, str)
    assert problem in found


def test_literal_only_for_addresses() -> None:
    ipv6 = netguard.parse_target("http://[::1]/")
    name = netguard.parse_target("http://localhost/")
    assert isinstance(ipv6, netguard.Target)
    assert isinstance(name, netguard.Target)
    assert ipv6.literal == netguard.ip_address("::1")
    assert name.literal is None


def test_redact_url_keeps_no_path_query_or_credentials() -> None:
    url = "https://user:pw@hooks.example.com/t/s3cr3t?token=abc"
    assert netguard.redact_url(url) == "https://hooks.example.com:443/…"
    assert netguard.redact_url("http://[::1]:9/x") == "http://[::1]:9/…"
    assert netguard.redact_url("nonsense:") == "<invalid url>"
