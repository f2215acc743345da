"""The classification table and the status-code helpers, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from shared.classification import (
    ANY,
    RULES,
    Verdict,
    classify,
    extract_enhanced_code,
    extract_smtp_code,
    lookup,
)
from shared.models import EventKind, Source

H, S, C, D, X = (  # X: ignored
    EventKind.HARD,
    EventKind.SOFT,
    EventKind.COMPLAINT,
    EventKind.DELIVERY,
    EventKind.IGNORED,
)
SES, MG, SG = Source.SES, Source.MAILGUN, Source.SENDGRID

CODES = [
    # (diagnostic text, SMTP code, enhanced code)
    ("smtp; 550 5.1.1 <jane@example.com>... User", "550", "5.1.1"),
    ("smtp;550-5.1.1 The email account that you tried to reach does not exist.", "550", "5.1.1"),
    ("550 5.1.1 The email account that you tried to reach does not exist.", "550", "5.1.1"),
    ("5.1.1 The email account that you tried to reach does not exist.", None, "5.1.1"),
    ("smtp; 550 user unknown", "550", None),
    ("500 unknown recipient", "500", None),
    ("250 2.6.0 Message received", "250", "2.6.0"),
    ("250 ok:  Message 64111812 accepted", "250", None),
    ("4.7.652 The mail server [xxx.xxx.xxx.xxx] has exceeded the maximum", None, "4.7.652"),
    ("host mx.example.com[192.0.2.1] said: 452 4.2.2 Mailbox full", "452", "4.2.2"),
    ("smtp; 421 4.4.1 Unable to connect to remote host", "421", "4.4.1"),
    ("5.1.10 RESOLVER.ADR.RecipientNotFound; null MX", None, "5.1.10"),
    ("Recipient address rejected: Greylisted", None, None),
    ("Amazon SES has suppressed sending to this address ", None, None),
    ("connect to 5.5.5.5 port 25 failed", None, None),  # an IP is not a status code
    ("upgrade to version 4.2.1.7", None, None),
    ("Mailbox quota 500 MB exceeded", None, None),  # a number mid-text is not a reply code
    ("X-Postfix; Host or domain name not found", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("text", "smtp", "enhanced"), CODES)
def test_extract_codes(text: str, smtp: str | None, enhanced: str | None) -> None:
    assert extract_smtp_code(text) == smtp
    assert extract_enhanced_code(text) == enhanced


def test_extract_codes_of_none() -> None:
    assert extract_smtp_code(None) is None
    assert extract_enhanced_code(None) is None


GONE = {"status": "5.1.1"}
CASES: list[tuple[Source, str, str, dict[str, Any], EventKind]] = [
    # ---- SES: bounceType first
    (SES, "bounce", "permanent/general", {"status": "5.1.1"}, H),
    (SES, "bounce", "permanent/general", {}, H),  # no DSN: still permanent
    (SES, "bounce", "permanent/noemail", {}, H),
    (SES, "bounce", "permanent/suppressed", {"status": "5.1.1"}, H),
    (SES, "bounce", "permanent/onaccountsuppressionlist", {}, H),
    (SES, "bounce", "permanent/general", {"status": "4.4.7"}, H),  # provider decides first
    (SES, "bounce", "transient/general", {"diagnostic": "smtp; 452 4.2.2 over quota"}, S),
    (SES, "bounce", "transient/general", {}, X),  # no DSN at all: an auto-reply
    (SES, "bounce", "transient/general", {"diagnostic": "Out of Office: back Monday"}, X),
    (SES, "bounce", "transient/general", {"diagnostic": "Automatic reply: Holiday"}, X),
    (SES, "bounce", "transient/general", GONE, H),  # no such user even if "Transient"
    (SES, "bounce", "transient/general", {"diagnostic": "smtp; 550 5.1.10 null MX"}, H),
    (SES, "bounce", "transient/general", {"status": "5.4.4"}, H),
    (SES, "bounce", "transient/general", {"status": "5.1.2"}, H),
    (SES, "bounce", "transient/general", {"status": "5.7.1"}, S),  # policy: stays soft
    (SES, "bounce", "transient/mailboxfull", {"status": "4.2.2"}, S),
    (SES, "bounce", "transient/mailboxfull", {}, S),  # only General is an auto-reply
    (SES, "bounce", "transient/messagetoolarge", {"status": "5.3.4"}, S),
    (SES, "bounce", "transient/contentrejected", GONE, H),
    (SES, "bounce", "transient/attachmentrejected", {}, S),
    (SES, "bounce", "undetermined/undetermined", {"status": "5.0.0"}, H),
    (SES, "bounce", "undetermined/undetermined", {"status": "4.0.0"}, S),
    (SES, "bounce", "undetermined/undetermined", {"diagnostic": "smtp; 554 rejected"}, H),
    (SES, "bounce", "undetermined/undetermined", {}, S),
    (SES, "bounce", "/", {"status": "5.1.1"}, H),  # unknown bounceType: the code decides
    (SES, "complaint", "", {}, C),
    (SES, "delivery", "", {"diagnostic": "250 ok"}, D),
    (SES, "deliverydelay", "", {}, X),
    (SES, "reject", "", {}, X),
    (SES, "rendering failure", "", {}, X),
    (SES, "send", "", {}, X),
    (SES, "open", "", {}, X),
    (SES, "click", "", {}, X),
    (SES, "subscription", "", {}, X),
    (SES, "received", "", {}, X),
    (SES, "something new", "", {}, X),
    # ---- Mailgun JSON: qualifier "severity/reason"
    (MG, "failed", "permanent/bounce", {"code": 550, "diagnostic": "5.1.1 no such user"}, H),
    (MG, "failed", "permanent/generic", {"code": 550}, H),
    (MG, "failed", "temporary/greylisted", {"code": 450}, S),
    (MG, "failed", "temporary/generic", {"code": 451, "status": "4.7.652"}, S),
    (MG, "failed", "temporary/generic", {"code": 550, "status": "5.1.1"}, S),  # retried
    (MG, "failed", "permanent/suppress-bounce", {"code": 605}, H),
    (MG, "failed", "permanent/suppress-bounce", {}, H),
    (MG, "failed", "permanent/suppress-unsubscribe", {"code": 606}, X),
    (MG, "failed", "permanent/suppress-complaint", {"code": 607}, X),
    (MG, "failed", "permanent/generic", {"code": 605}, H),
    (MG, "failed", "temporary/generic", {"code": 498}, S),
    (MG, "failed", "permanent/old", {"code": 498}, S),  # Mailgun-internal: soft
    (MG, "failed", "permanent/old", {"code": "499"}, S),
    (MG, "failed", "/", {"diagnostic": "550 5.1.1 unknown"}, H),  # no severity
    (MG, "failed", "/", {}, S),
    (MG, "complained", "/", {}, C),
    (MG, "delivered", "/", {"code": 250}, D),
    (MG, "accepted", "/", {}, X),
    (MG, "rejected", "/", {}, X),
    (MG, "opened", "/", {}, X),
    (MG, "clicked", "/", {}, X),
    (MG, "unsubscribed", "/", {}, X),
    (MG, "stored", "/", {}, X),
    # ---- Mailgun legacy: qualifier = reason
    (MG, "bounced", "", {"code": "550"}, H),
    (MG, "bounced", "", {"code": "5.1.1"}, H),
    (MG, "dropped", "hardfail", {"code": "605"}, H),
    (MG, "dropped", "hardfail", {"code": "606"}, X),
    (MG, "dropped", "hardfail", {"code": "607"}, X),
    (MG, "dropped", "hardfail", {"code": "550"}, H),
    (MG, "dropped", "old", {"code": "499"}, S),
    (MG, "dropped", "maxfails", {"code": "452"}, S),
    (MG, "dropped", "", {"code": "5.1.1"}, H),
    (MG, "dropped", "", {}, S),
    # ---- SendGrid: qualifier = bounce type / dropped reason
    (SG, "bounce", "bounce", {"status": "5.0.0", "diagnostic": "500 unknown recipient"}, H),
    (SG, "bounce", "", {"status": "5.0.0"}, H),  # older payloads: no type
    (SG, "bounce", "blocked", {"status": "5.0.0", "diagnostic": "500 unknown recipient"}, S),
    (SG, "bounce", "blocked", {"diagnostic": "550 5.1.1 user unknown"}, H),
    (SG, "bounce", "blocked", {}, S),  # no DSN is not an auto-reply here
    (SG, "dropped", "bounced address", {"status": "5.0.0"}, H),
    (SG, "dropped", "invalid", {}, H),
    (SG, "dropped", "unsubscribed address", {}, X),
    (SG, "dropped", "spam reporting address", {}, X),
    (SG, "dropped", "invalid smtpapi header", {}, X),
    (SG, "dropped", "spam content (if spam checker app enabled)", {}, X),
    (SG, "dropped", "recipient list over package quota", {}, X),
    (SG, "deferred", "", {"diagnostic": "400 try again later"}, X),
    (SG, "spamreport", "", {}, C),
    (SG, "delivered", "", {"diagnostic": "250 OK"}, D),
    (SG, "processed", "", {}, X),
    (SG, "open", "", {}, X),
    (SG, "click", "", {}, X),
    (SG, "unsubscribe", "", {}, X),
    (SG, "group_unsubscribe", "", {}, X),
    (SG, "group_resubscribe", "", {}, X),
]


@pytest.mark.parametrize(
    ("source", "category", "qualifier", "fields", "kind"),
    CASES,
    ids=[f"{s}-{c}-{q}-{list(f.values())}" for s, c, q, f, _ in CASES],
)
def test_classify(
    source: Source, category: str, qualifier: str, fields: dict[str, Any], kind: EventKind
) -> None:
    assert classify(source, category, qualifier, **fields).kind is kind


def test_classify_reports_codes_subtype_and_why() -> None:
    c = classify(
        SES,
        "bounce",
        "permanent/general",
        status="5.1.1",
        diagnostic="  smtp; 550 5.1.1 <jane@example.com>... User  ",
        subtype="General",
    )
    assert (c.kind, c.subtype, c.smtp_code, c.enhanced_code) == (H, "General", "550", "5.1.1")
    assert c.diagnostic == "smtp; 550 5.1.1 <jane@example.com>... User"
    assert c.why.startswith("SES Permanent")


def test_explicit_fields_beat_the_text() -> None:
    c = classify(SG, "bounce", "bounce", status="5.0.0", diagnostic="550 5.1.1 unknown")
    assert (c.smtp_code, c.enhanced_code) == ("550", "5.0.0")
    c = classify(MG, "failed", "permanent/bounce", code=554, diagnostic="550 5.1.1 x")
    assert (c.smtp_code, c.enhanced_code) == ("554", "5.1.1")
    c = classify(MG, "bounced", "", code="5.1.1", diagnostic="smtp;550 5.1.1 RESOLVER")
    assert (c.smtp_code, c.enhanced_code) == ("550", "5.1.1")
    c = classify(SES, "bounce", "permanent/general", status="bogus", diagnostic="5.1.2 x")
    assert c.enhanced_code == "5.1.2"
    c = classify(MG, "failed", "temporary/x", code=True)  # not a code
    assert c.smtp_code is None


def test_blank_fields_are_none() -> None:
    c = classify(SES, "complaint", "", diagnostic="   ", subtype="")
    assert (c.diagnostic, c.subtype, c.smtp_code, c.enhanced_code) == (None, None, None, None)


def test_table_is_well_formed() -> None:
    keys = [(r.source, r.category, r.qualifier, r.code) for r in RULES]
    assert len(keys) == len(set(keys))
    for r in RULES:
        assert r.why.strip(), r
        assert r.category == r.category.lower()
        assert r.qualifier == r.qualifier.lower()
        assert r.code == ANY or (len(r.code) == 3 and r.code.isdigit())
        assert isinstance(r.verdict, Verdict)


def test_lookup_precedence() -> None:
    # a code row beats a qualifier row
    assert lookup(MG, "failed", "permanent/generic", "606").verdict is Verdict.IGNORED
    # the full qualifier beats its head, which beats "*"
    assert lookup(SES, "bounce", "transient/general").verdict is Verdict.TRANSIENT_OR_AUTOREPLY
    assert lookup(SES, "bounce", "transient/mailboxfull").verdict is Verdict.TRANSIENT
    assert lookup(SES, "bounce", "weird/thing").verdict is Verdict.BY_CODE
    # rows are per provider
    assert lookup(SG, "failed", "permanent").verdict is Verdict.IGNORED
    assert lookup(SES, "bounced").verdict is Verdict.IGNORED
