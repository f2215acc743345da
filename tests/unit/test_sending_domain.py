"""The sending domain of every event: `domain_of` (addresses, names, IDNA, junk), the
provider's own sender field first, then the BOUNCEFLOW_SENDING_DOMAIN_KEYS metadata."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.processor.parsers import DEFAULT_KEYS, MetadataKeys, parse
from services.processor.parsers._common import domain_of, first_domain
from shared.raw import RawEvent
from shared.settings import Settings
from tests.provider_fixtures import RECEIVED_AT, load_fixture

BRAND = MetadataKeys(sending_domain=("brand",))


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("example.com", "example.com"),
        ("Mail.Example.COM.", "mail.example.com"),  # case, trailing root dot
        ("jane@Example.com", "example.com"),
        ("<jane@example.com>", "example.com"),
        ("Jane Doe <Jane@Mail.Example.com>", "mail.example.com"),
        ('"Doe, Jane" <jane@example.com>', "example.com"),  # a comma in the display name
        ("  Jane <jane@example.com>  ", "example.com"),
        ("bounces+abc=x@em.example.com", "em.example.com"),  # VERP envelope sender
        ("msprvs1=17287cL4dnk4m=bounces-1521@spmailt.com", "spmailt.com"),
        ("info@bücher.example", "xn--bcher-kva.example"),  # IDNA (UTS 46)
        ("Bücher <info@BÜCHER.example>", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("a-b.example", "a-b.example"),
        (["first@one.example", "second@two.example"], None),  # callers pick the element
        ("", None),
        ("   ", None),
        (None, None),
        (42, None),
        ({"domain": "example.com"}, None),
        ("<>", None),  # the null sender
        ("localhost", None),  # a single label is no sending domain
        ("jane@localhost", None),
        ("jane@[192.0.2.1]", None),  # an address literal
        ("192.0.2.1", None),
        ("jane@", None),
        ("not a domain", None),
        ("Jane <jane@example.com", None),  # unbalanced brackets
        ("-bad.example", None),
        ("bad-.example", None),
        ("a..b.example", None),
        ("ex_ample.com", None),
        ("x" * 64 + ".example", None),  # a label over 63 characters
        (".".join(["abcdefghi"] * 26) + ".com", None),  # over 253 characters
        ("bü cher.example", None),
        ("bü\x00cher.example", "xn--bcher-kva.example"),  # NUL dropped, as by text()
    ],
)
def test_domain_of(value: object, want: str | None) -> None:
    assert domain_of(value) == want


def test_first_domain_skips_what_names_no_domain() -> None:
    assert first_domain(None, "<>", "junk", "a@b.example", "c.example") == "b.example"
    assert first_domain() is None
    assert first_domain(None, "") is None


def test_keys_and_setting() -> None:
    assert DEFAULT_KEYS.sending_domain == ("sending_domain", "domain")
    assert MetadataKeys.from_csv("c", "n").sending_domain == ("sending_domain", "domain")
    assert MetadataKeys.from_csv("c", "n", " brand, ,domain,brand").sending_domain == (
        "brand",
        "domain",
    )
    assert Settings(_env_file=None).sending_domain_keys == "sending_domain,domain"


def _one(
    provider: str, name: str, change: Callable[[Any], None], keys: MetadataKeys = DEFAULT_KEYS
) -> str | None:
    raw, doc = load_fixture(provider, name)
    change(doc["body"])
    body = orjson.dumps(doc["body"])
    (e,) = parse(RawEvent("e", provider, body, RECEIVED_AT, raw.headers), keys)
    return e.sending_domain


def _ses(change: Callable[[dict[str, Any]], None], keys: MetadataKeys = DEFAULT_KEYS) -> Any:
    return _one(
        "ses",
        "awsdocs-rawdelivery-event-bounce-permanent-general",
        lambda b: change(b["mail"]),
        keys,
    )


def test_ses_source_then_identity_then_from_domain_tag_then_metadata() -> None:
    def tagged(mail: dict[str, Any]) -> None:
        mail["tags"]["sending_domain"] = ["meta.example"]
        mail["tags"]["brand"] = ["brand.example"]

    assert _ses(tagged) == "example.com"  # mail.source wins over metadata

    def no_source(mail: dict[str, Any]) -> None:
        tagged(mail)
        mail["source"] = "<>"
        mail["sourceArn"] = "arn:aws:ses:us-east-1:1:identity/Identity.Example"

    assert _ses(no_source) == "identity.example"  # a domain identity

    def address_identity(mail: dict[str, Any]) -> None:
        no_source(mail)
        mail["sourceArn"] = "arn:aws:ses:us-east-1:1:identity/someone@other.example"
        mail["tags"]["ses:from-domain"] = ["from-tag.example"]

    assert _ses(address_identity) == "from-tag.example"

    def only_metadata(mail: dict[str, Any]) -> None:
        address_identity(mail)
        del mail["tags"]["ses:from-domain"], mail["commonHeaders"]

    assert _ses(only_metadata) == "meta.example"
    assert _ses(only_metadata, BRAND) == "brand.example"


def test_mailgun_domain_name_then_envelope_then_from_then_variables() -> None:
    def change(**fields: Any) -> Callable[[Any], None]:
        return lambda body: body["event-data"].update(fields)

    name = "mgdocs-delivered"
    assert _one("mailgun", name, change()) == "example.org"  # envelope.sender
    assert _one("mailgun", name, change(domain={"name": "mg.example"})) == "mg.example"
    no_sender = change(
        envelope={}, message={"headers": {}}, **{"user-variables": {"domain": "v.example"}}
    )
    assert _one("mailgun", name, no_sender) == "v.example"


def test_sendgrid_custom_args_only() -> None:
    def args(**fields: Any) -> Callable[[Any], None]:
        return lambda body: body[0].update(fields)

    name = "anymail-bounce-type-bounce-550"
    assert _one("sendgrid", name, args()) is None
    assert _one("sendgrid", name, args(sending_domain="News.Example.COM")) == "news.example.com"
    assert _one("sendgrid", name, args(domain="not a domain")) is None  # junk: None, no error
    assert _one("sendgrid", name, args(brand="Ann <a@b.example>"), BRAND) == "b.example"


def test_a_junk_sender_falls_back_and_never_fails_the_parse() -> None:
    def junk_from(body: dict[str, Any]) -> None:
        body["From"] = "undisclosed"
        body["Metadata"] = {"Sending-Domain": "meta.example"}

    assert _one("postmark", "anymail-bounce-hardbounce-550-5.1.1", junk_from) == "meta.example"

    def junk_sender(body: dict[str, Any]) -> None:
        body["data"]["from"] = {"not": "a string"}

    assert _one("resend", "anymail-delivered", junk_sender) is None

    def idna_sender(body: dict[str, Any]) -> None:
        body["data"]["from"] = "Bücher <info@Bücher.example>"

    assert _one("resend", "anymail-delivered", idna_sender) == "xn--bcher-kva.example"


_DSN = b"""From: MAILER-DAEMON@mx.recipient.example
To: bounces@report-to.example
Subject: Undelivered Mail
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

gone
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.recipient.example

Final-Recipient: rfc822; gone@recipient.example
Action: failed
Status: 5.1.1
--b
Content-Type: text/rfc822-headers

Return-Path: <news-bounces@return-path.example>
%s
--b--
"""


@pytest.mark.parametrize(
    ("original", "want"),
    [
        (b"From: News <news@from.example>", "from.example"),
        (b"X-Sending-Domain: meta.example", "return-path.example"),
    ],
)
def test_dsn_original_from_then_return_path(original: bytes, want: str) -> None:
    body = _DSN % original
    (e,) = parse(RawEvent("e", "dsn", body, RECEIVED_AT, {}))
    assert e.sending_domain == want


def test_dsn_report_to_then_original_metadata() -> None:
    no_return_path = (_DSN % b"X-Sending-Domain: meta.example").replace(
        b"Return-Path: <news-bounces@return-path.example>\n", b""
    )
    (e,) = parse(RawEvent("e", "dsn", no_return_path, RECEIVED_AT, {}))
    assert e.sending_domain == "report-to.example"  # the bounce went to the envelope sender
    no_to = no_return_path.replace(b"To: bounces@report-to.example\n", b"")
    (e,) = parse(RawEvent("e", "dsn", no_to, RECEIVED_AT, {}))
    assert e.sending_domain == "meta.example"


def test_mailgun_legacy_domain_then_message_headers_from() -> None:
    raw, _ = load_fixture("mailgun", "anymail-legacy-bounced-550-invalid-mailbox")
    fields = {"event": "bounced", "recipient": "a@example.com", "code": "550", "token": "t"}
    headers = orjson.dumps([["From", "News <news@headers.example>"], ["Subject", "x"]]).decode()

    def domain(form: dict[str, str]) -> str | None:
        body = urlencode(form).encode()
        (e,) = parse(RawEvent("e", "mailgun", body, RECEIVED_AT, raw.headers))
        return e.sending_domain

    assert domain(fields) is None
    assert domain({**fields, "message-headers": headers}) == "headers.example"
    assert domain({**fields, "message-headers": headers, "domain": "mg.example"}) == "mg.example"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.emails().map(lambda a: f"Name <{a}>")))
def test_domain_of_never_raises_and_gives_a_plain_domain(value: str) -> None:
    got = domain_of(value)
    if got is not None:
        assert got == got.lower()
        assert got.isascii()
        assert len(got) <= 253
        assert domain_of(got) == got  # idempotent
