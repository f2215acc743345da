"""Hypothesis strategies: structured-but-wrong request bodies per provider route.

Each strategy draws (body bytes, content type): mostly a real fixture (JSON
payloads in tests/fixtures/providers/<provider>, .eml messages for dsn) damaged
in a few places (keys deleted, values of the wrong type, inner SNS messages
mangled, lines of a message dropped, duplicated, rewritten or truncated), and
sometimes plain junk (random bytes, random JSON, random form fields).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hypothesis import strategies as st

from tests.provider_fixtures import FIXTURES, fixture_json, fixture_names

JSON_TYPE = "application/json"
SNS_TYPE = "text/plain; charset=UTF-8"
FORM_TYPE = "application/x-www-form-urlencoded"
DSN_TYPES = ("message/rfc822", "text/plain", "application/octet-stream")

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "a@b", "<x@y.z>", "5.1.1", "550", "bounce", "Permanent", "0"])
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=4,
)


@cache
def _bodies(provider: str) -> tuple[Any, ...]:
    """The JSON bodies (or form strings) of every fixture of `provider`."""
    return tuple(fixture_json(provider, n)["body"] for n in fixture_names(provider))


@cache
def _emails() -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in sorted((FIXTURES / "dsn").glob("*.eml")))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_json(draw: st.DrawFn, doc: Any, max_mutations: int = 3) -> Any:
    """`doc` (deep-copied) with 1..max_mutations nodes deleted or replaced."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        if not path:
            return draw(JSON_VALUES)
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        op = draw(st.sampled_from(["delete", "replace", "wrap", "stringify"]))
        if op == "delete":
            del parent[path[-1]]
        elif op == "replace":
            parent[path[-1]] = draw(JSON_VALUES)
        elif op == "wrap":
            parent[path[-1]] = [parent[path[-1]]]
        else:
            parent[path[-1]] = json.dumps(parent[path[-1]])
    return doc


@st.composite
def ses_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    doc = json.loads(json.dumps(draw(st.sampled_from(_bodies("ses")))))
    if isinstance(doc, dict) and isinstance(doc.get("Message"), str) and draw(st.booleans()):
        try:
            inner = json.loads(doc["Message"])
        except json.JSONDecodeError:
            inner = doc["Message"]
        doc["Message"] = json.dumps(draw(mutated_json(inner)))
    else:
        doc = draw(mutated_json(doc))
    return json.dumps(doc).encode(), SNS_TYPE


_MAILGUN_FIELDS = (
    "event", "recipient", "code", "error", "reason", "description", "notification",
    "token", "timestamp", "signature", "severity", "message-headers", "Message-Id",
    "campaign_name", "tag", "subscriber_name",
)  # fmt: skip


@st.composite
def form_pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
    key = st.sampled_from(_MAILGUN_FIELDS) | st.text(max_size=10)
    value = st.text(max_size=40) | st.sampled_from(["bounced", "dropped", "550", "5.1.1", "a@b.c"])
    return draw(st.lists(st.tuples(key, value), max_size=8))


def _multipart(pairs: list[tuple[str, str]]) -> tuple[bytes, str]:
    boundary = "fuzzBOUNDARY"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in pairs
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode("utf-8", "surrogatepass"), f"multipart/form-data; boundary={boundary}"


@st.composite
def mailgun_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    doc = draw(st.sampled_from(_bodies("mailgun")))
    if isinstance(doc, str):  # a legacy form body: mutate its fields
        pairs = parse_qsl(doc, keep_blank_values=True)
        fields = [p for p in pairs if draw(st.booleans())] + draw(form_pairs())
        if draw(st.booleans()):
            return _multipart(fields)
        return urlencode(fields).encode(), FORM_TYPE
    return json.dumps(draw(mutated_json(doc))).encode(), JSON_TYPE


@st.composite
def sendgrid_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    doc = draw(st.sampled_from(_bodies("sendgrid")))
    return json.dumps(draw(mutated_json(doc))).encode(), JSON_TYPE


_LINE_VALUES = st.sampled_from(
    [
        "Content-Type: multipart/report; report-type=delivery-status; boundary=x",
        "Content-Type: multipart/report; report-type=feedback-report",
        "Content-Type: message/delivery-status",
        "Content-Type: message/feedback-report",
        "Content-Type: text/rfc822-headers",
        "Content-Type: message/rfc822",
        "Content-Transfer-Encoding: base64",
        "Action: failed",
        "Action: delayed",
        "Action: ",
        "Status: 5.1.1",
        "Status: 9.9.9.9",
        "Final-Recipient: rfc822; <>",
        "Original-Recipient: rfc822;",
        "Original-Rcpt-To: not an address",
        "Feedback-Type: abuse",
        "To: =?utf-8?q?=E2=98=83?= <x@y.z>, ,,",
        "Date: Mon, 99 Foo 99999 99:99:99 +9999",
        "Auto-Submitted: auto-replied",
        "X-Failed-Recipients: @, a@, @b",
        "From: MAILER-DAEMON@x",
        "--",
        "",
    ]
)


@st.composite
def dsn_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    """A fixture message with lines dropped, duplicated, rewritten, or bytes spliced in."""
    lines = draw(st.sampled_from(_emails())).split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [b""]
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "line", "text", "bytes", "value", "cut"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "line":
            lines.insert(i, draw(_LINE_VALUES).encode())
        elif op == "text":
            lines[i] = draw(st.text(max_size=60)).encode("utf-8", "surrogatepass")
        elif op == "bytes":
            lines[i] = lines[i] + draw(st.binary(max_size=20))
        elif op == "value" and b":" in lines[i]:
            name = lines[i].split(b":", 1)[0]
            lines[i] = name + b": " + draw(st.text(max_size=40)).encode("utf-8", "surrogatepass")
        elif op == "cut":
            lines = lines[: i + 1]
    return b"\n".join(lines), draw(st.sampled_from(DSN_TYPES))


def junk(content_types: tuple[str, ...]) -> st.SearchStrategy[tuple[bytes, str]]:
    """Bytes that are no payload at all: random bytes, random JSON, random text."""
    bodies = (
        st.binary(max_size=200)
        | JSON_VALUES.map(lambda v: json.dumps(v).encode())
        | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
    return st.tuples(bodies, st.sampled_from(content_types))


BODIES: dict[str, st.SearchStrategy[tuple[bytes, str]]] = {
    "ses": ses_bodies() | junk((SNS_TYPE, JSON_TYPE)),
    "mailgun": mailgun_bodies()
    | form_pairs().map(lambda p: (urlencode(p).encode(), FORM_TYPE))
    | junk((JSON_TYPE, FORM_TYPE)),
    "sendgrid": sendgrid_bodies() | junk((JSON_TYPE,)),
    "dsn": dsn_bodies() | junk(DSN_TYPES),
}
PROVIDERS = tuple(BODIES)
