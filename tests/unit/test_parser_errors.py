"""Bad input: every parser raises ParseError and nothing else."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import services.processor.parsers as parsers_pkg
from services.processor.parsers import ParseError, mailgun, parse, sendgrid, ses
from shared.models import CanonicalEvent, EventKind
from shared.raw import RawEvent
from tests.provider_fixtures import PROVIDERS, RECEIVED_AT, fixture_names, load_fixture
from tests.unit.parser_expectations import EXPECTED


def raw_of(provider: str, body: bytes, **headers: str) -> RawEvent:
    return RawEvent(
        "e", provider, body, RECEIVED_AT, {k.replace("_", "-"): v for k, v in headers.items()}
    )


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe\x00", b"[1, 2"])
def test_not_json_is_a_parse_error(provider: str, body: bytes) -> None:
    ctype = "application/json" if provider != "ses" else "text/plain; charset=UTF-8"
    with pytest.raises(ParseError, match=provider):
        parse(raw_of(provider, body, content_type=ctype))


@pytest.mark.parametrize(
    ("provider", "body", "reason"),
    [
        ("ses", b"[]", "not a JSON object"),
        ("ses", b'{"foo": 1}', "neither an SNS message nor an SES event"),
        ("ses", b'{"Type": "Bogus", "Message": "{}"}', "unknown SNS message Type"),
        ("ses", b'{"Type": "Notification", "Message": 5}', "without a string Message"),
        ("ses", b'{"Type": "Notification", "Message": "[1]"}', "not a JSON object"),
        ("ses", b'{"notificationType": "Bounce"}', "without a 'bounce' object"),
        ("ses", b'{"notificationType": "Bounce", "bounce": {"bounceType": "Permanent"}}',
         "without bouncedRecipients"),
        ("ses", b'{"eventType": "Bounce", "bounce": {"bouncedRecipients": [{}]}}',
         "recipient address missing"),
        ("ses", b'{"eventType": "Complaint", "complaint": {"complainedRecipients": '
                b'[{"emailAddress": "not-an-address"}]}}', "not an email address"),
        ("ses", b'{"eventType": 7}', "not a string"),
        ("ses", b'{"eventType": "Delivery", "delivery": {"recipients": ["a@b.c"], '
                b'"timestamp": "yesterday"}}', "bad timestamp"),
        ("mailgun", b"[]", "without an event-data object"),
        ("mailgun", b'{"event-data": []}', "without an event-data object"),
        ("mailgun", b'{"event-data": {"severity": "permanent"}}', "without an event name"),
        ("mailgun", b'{"event-data": {"event": "failed", "severity": "permanent"}}',
         "recipient address missing"),
        ("mailgun", b'{"event-data": {"event": "delivered", "recipient": "a@b.c", '
                    b'"timestamp": "soon"}}', "bad timestamp"),
        ("sendgrid", b'{"event": "bounce"}', "not a JSON array"),
        ("sendgrid", b"[1]", "#0 is not an object"),
        ("sendgrid", b'[{"event": "open", "email": "a@b.c"}, {"email": "a@b.c"}]',
         "#1 has no event name"),
        ("sendgrid", b'[{"event": "delivered", "email": "a@b.c", "timestamp": 1}, '
                     b'{"event": "bounce", "timestamp": 1}]', "recipient address missing"),
        ("sendgrid", b'[{"event": "bounce", "email": "a@b.c", "timestamp": "x"}]',
         "bad timestamp"),
    ],
)  # fmt: skip
def test_wrong_shape_is_a_parse_error(provider: str, body: bytes, reason: str) -> None:
    ctype = "application/json" if provider != "ses" else "text/plain; charset=UTF-8"
    with pytest.raises(ParseError, match=reason):
        parse(raw_of(provider, body, content_type=ctype))


def test_mailgun_legacy_without_event_is_a_parse_error() -> None:
    raw = raw_of("mailgun", b"recipient=a%40b.c", content_type="application/x-www-form-urlencoded")
    with pytest.raises(ParseError, match="without an event field"):
        parse(raw)


def test_empty_sendgrid_batch_is_nothing() -> None:
    assert parse(raw_of("sendgrid", b"[]", content_type="application/json")) == []


def test_ses_message_not_json() -> None:
    def envelope(message: str) -> RawEvent:
        body = orjson.dumps({"Type": "Notification", "MessageId": "m", "Message": message})
        return raw_of("ses", body, content_type="text/plain; charset=UTF-8")

    assert parse(envelope("Successfully validated SNS topic for Amazon SES.")) == []
    with pytest.raises(ParseError, match="SNS Message is not valid JSON"):
        parse(envelope('{"notificationType": "Bounce", '))


def test_unknown_provider() -> None:
    with pytest.raises(ParseError, match="unknown provider 'nosuchprovider'"):
        parse(raw_of("nosuchprovider", b"{}"))


def test_unexpected_exceptions_become_parse_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_raw: RawEvent, _keys: object = None) -> list[CanonicalEvent]:
        raise KeyError("surprise")

    monkeypatch.setitem(parsers_pkg.PARSERS, "sendgrid", boom)
    with pytest.raises(ParseError, match="KeyError"):
        parse(raw_of("sendgrid", b"[]"))


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_VALUES = _SCALARS | st.lists(_SCALARS, max_size=3) | st.dictionaries(st.text(max_size=5), _SCALARS)
_PROVIDER_PARSE = {"ses": ses.parse, "mailgun": mailgun.parse, "sendgrid": sendgrid.parse}
ALL_FIXTURES = [(p, n) for p in PROVIDERS for n in fixture_names(p)]
_JSON_FIXTURES = [
    (p, n)
    for p, n in ALL_FIXTURES
    if EXPECTED[(p, n)] and not isinstance(load_fixture(p, n)[1]["body"], str)
]


def _paths(node: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_mutated_fixtures_raise_only_parse_errors(data: st.DataObject) -> None:
    """Each parser itself (without the dispatcher's safety net) turns any damage to a
    real payload into a ParseError, or still parses it."""
    provider, name = data.draw(st.sampled_from(_JSON_FIXTURES))
    raw, doc = load_fixture(provider, name)
    body = doc["body"]
    inner = None
    if isinstance(body, dict) and isinstance(body.get("Message"), str):
        inner = orjson.loads(body["Message"])  # mutate the SES event inside SNS
    target = inner if inner is not None else body
    path = data.draw(st.sampled_from(_paths(target)[1:]))
    node = target
    for step in path[:-1]:
        node = node[step]
    if data.draw(st.booleans()) and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = data.draw(_VALUES)
    if inner is not None:
        body["Message"] = orjson.dumps(inner).decode()
    mutated = RawEvent("e", provider, orjson.dumps(body), RECEIVED_AT, raw.headers)
    try:
        events = _PROVIDER_PARSE[provider](mutated)
    except ParseError:
        return
    assert all(e.kind is not EventKind.IGNORED for e in events)


@settings(max_examples=200, deadline=None)
@given(provider=st.sampled_from(PROVIDERS), junk=st.binary(max_size=60))
def test_junk_bytes_raise_only_parse_errors(provider: str, junk: bytes) -> None:
    for ctype in ("application/json", "application/x-www-form-urlencoded", ""):
        try:
            _PROVIDER_PARSE[provider](raw_of(provider, junk, content_type=ctype))
        except ParseError:
            pass
