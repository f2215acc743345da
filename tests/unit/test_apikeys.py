"""API key helpers: format, hashing, Authorization parsing, scopes. No I/O."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest

from shared.apikeys import (
    ApiKeyInfo,
    display_prefix,
    generate_key,
    hash_key,
    parse_authorization,
    validate_scopes,
)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def info(*scopes: str) -> ApiKeyInfo:
    return ApiKeyInfo(1, "k", "bf_abcde", scopes, datetime(2026, 1, 1, tzinfo=UTC))


def test_generated_keys_have_the_prefix_and_enough_entropy() -> None:
    keys = {generate_key() for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        assert key.startswith("bf_")
        assert len(key) == 3 + 43  # 32 bytes, url-safe base64 without padding
        assert display_prefix(key) == key[:8]


def test_hash_is_sha256_digest() -> None:
    assert hash_key("bf_x") == hashlib.sha256(b"bf_x").digest()
    assert len(hash_key(generate_key())) == 32


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer bf_abc", "bf_abc"),
        ("bearer   bf_abc  ", "bf_abc"),
        (basic("api", "bf_abc"), "bf_abc"),
        (basic("api", "bf_a:b"), "bf_a:b"),  # only the first colon separates
        ("basic " + base64.b64encode(b"api:bf_abc").decode(), "bf_abc"),
    ],
)
def test_parse_authorization_accepts(header: str, expected: str) -> None:
    assert parse_authorization(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "bf_abc",
        "Token bf_abc",
        basic("user", "bf_abc"),  # Mailgun style: the user must be "api"
        basic("api", ""),
        "Basic " + base64.b64encode(b"api-no-colon").decode(),
        "Basic not*base64",
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
    ],
)
def test_parse_authorization_refuses(header: str | None) -> None:
    assert parse_authorization(header) is None


def test_scopes_validated_and_deduplicated() -> None:
    assert validate_scopes(["subscribers", " webhooks", "subscribers"]) == (
        "subscribers",
        "webhooks",
    )
    with pytest.raises(ValueError, match=r"unknown scope.*bounces"):
        validate_scopes(["subscribers", "bounces"])
    with pytest.raises(ValueError, match="at least one scope"):
        validate_scopes(["", " "])


def test_admin_implies_every_scope() -> None:
    assert info("admin").allows("subscribers")
    assert info("admin").allows("webhooks")
    assert info("subscribers").allows("subscribers")
    assert not info("subscribers").allows("webhooks")
    assert not info("webhooks").allows("subscribers")


def test_describe_never_shows_more_than_the_prefix() -> None:
    line = info("subscribers").describe()
    assert "bf_abcde" in line
    assert "active" in line
