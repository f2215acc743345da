"""Hypothesis strategies for Postmark, SparkPost, Mailjet, Brevo and Mandrill bodies:
a real fixture damaged in a few places (see tests/fuzz_bodies.py), or plain junk."""

from __future__ import annotations

import json
from functools import cache
from urllib.parse import parse_qsl, urlencode

from hypothesis import strategies as st

from tests.fuzz_bodies import FORM_TYPE, JSON_TYPE, junk, mutated_json
from tests.provider_fixtures import fixture_json, fixture_names

_BIG_IDS = st.sampled_from([2**53 + 1, 2**63 - 1, 2**64 - 1, -(2**63), 10**30])


@cache
def _bodies(provider: str) -> tuple[object, ...]:
    return tuple(fixture_json(provider, n)["body"] for n in fixture_names(provider))


@st.composite
def json_bodies(draw: st.DrawFn, provider: str) -> tuple[bytes, str]:
    doc = draw(mutated_json(draw(st.sampled_from(_bodies(provider)))))
    text = json.dumps(doc)
    if provider == "mailjet" and draw(st.booleans()):  # ids past 2**53 and past 64 bits
        text = text.replace("12345678901234567", str(draw(_BIG_IDS)))
    return text.encode(), JSON_TYPE


@st.composite
def mandrill_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    form = str(draw(st.sampled_from(_bodies("mandrill"))))
    pairs = parse_qsl(form, keep_blank_values=True)
    events = json.loads(pairs[0][1])
    op = draw(st.sampled_from(["events", "raw", "fields"]))
    if op == "events":
        value = json.dumps(draw(mutated_json(events)))
    elif op == "raw":  # the field's JSON cut or spliced
        value = json.dumps(events)[: draw(st.integers(0, 200))] + draw(st.text(max_size=5))
    else:
        value = pairs[0][1]
    extra = draw(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=20)), max_size=2))
    fields = [("mandrill_events", value), *extra] if draw(st.booleans()) else extra
    return urlencode(fields).encode(), FORM_TYPE


BODIES_MORE: dict[str, st.SearchStrategy[tuple[bytes, str]]] = {
    "postmark": json_bodies("postmark") | junk((JSON_TYPE,)),
    "sparkpost": json_bodies("sparkpost") | junk((JSON_TYPE,)),
    "mailjet": json_bodies("mailjet") | junk((JSON_TYPE,)),
    "brevo": json_bodies("brevo") | junk((JSON_TYPE,)),
    "mandrill": mandrill_bodies() | junk((FORM_TYPE,)),
}
