"""Campaign and subscriber name for the bounce log, from provider tags / custom
variables, under configurable key names (MetadataKeys; BOUNCEFLOW_CAMPAIGN_KEYS,
BOUNCEFLOW_SUBSCRIBER_NAME_KEYS)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
import pytest

from services.processor.parsers import DEFAULT_KEYS, MetadataKeys, parse
from services.processor.parsers._common import Metadata, metadata_of
from shared.raw import RawEvent
from tests.provider_fixtures import RECEIVED_AT, load_fixture

CUSTOM = MetadataKeys.from_csv("list, newsletter", "first-name")


def test_defaults_and_csv() -> None:
    assert DEFAULT_KEYS.campaign == ("campaign_name", "campaign")
    assert DEFAULT_KEYS.subscriber_name == ("subscriber_name", "name")
    assert MetadataKeys.from_csv("campaign_name,campaign", "subscriber_name,name") == DEFAULT_KEYS
    assert MetadataKeys.from_csv(" a , ,b,a,", "") == MetadataKeys(("a", "b"), ())
    assert CUSTOM == MetadataKeys(("list", "newsletter"), ("first-name",))


@pytest.mark.parametrize(
    ("mapping", "names", "want"),
    [
        ({"campaign": "c", "campaign_name": "cn"}, ("campaign_name", "campaign"), "cn"),  # order
        ({"Campaign-Name": "cn"}, ("campaign_name",), "cn"),  # case, "-" as "_"
        ({"campaign_name": ["spring", "x"]}, ("campaign_name",), "spring"),  # SES tag lists
        ({"campaign_name": 42}, ("campaign_name",), "42"),
        ({"campaign_name": "  ", "campaign": "c"}, ("campaign_name", "campaign"), "c"),
        ({"campaign_name": {"nested": 1}}, ("campaign_name",), None),
        ({"campaign_name": True}, ("campaign_name",), None),
        ({"other": "x"}, ("campaign_name",), None),
        ({"campaign": "c"}, (), None),
        ({}, ("campaign",), None),
    ],
)
def test_pick(mapping: dict[str, Any], names: tuple[str, ...], want: str | None) -> None:
    assert metadata_of(mapping, MetadataKeys(names, (), ())).campaign == want


def test_all_three_from_one_pass() -> None:
    keys = MetadataKeys(("list", "campaign"), ("first-name",), ("brand",))
    item = {
        "event": "bounce",
        "Campaign": "c",
        "FIRST_NAME": "Jo",
        "brand": "x.example",
        "list": " ",
        "first-name": "later key, same name: ignored",
    }
    assert metadata_of(item, keys) == Metadata("c", "Jo", "x.example")
    assert metadata_of({"event": "bounce"}, keys) == Metadata()


def _ses(tags: dict[str, list[str]], keys: MetadataKeys = DEFAULT_KEYS) -> tuple[Any, ...]:
    raw, doc = load_fixture("ses", "awsdocs-rawdelivery-event-bounce-permanent-general")
    body = doc["body"]
    body["mail"]["tags"].update(tags)
    (e,) = parse(RawEvent("e", "ses", orjson.dumps(body), RECEIVED_AT, raw.headers), keys)
    return e.campaign_name, e.subscriber_name


def test_ses_mail_tags() -> None:
    assert _ses({}) == (None, None)  # only ses:* tags
    assert _ses({"campaign": ["spring"], "name": ["Jane"]}) == ("spring", "Jane")
    tags = {"campaign": ["spring"], "list": ["L1"], "first_name": ["Jo"], "name": ["Jane"]}
    assert _ses(tags, CUSTOM) == ("L1", "Jo")


def _mailgun_json(event_data: dict[str, Any], keys: MetadataKeys = DEFAULT_KEYS) -> tuple[Any, ...]:
    raw, doc = load_fixture("mailgun", "mgdocs-delivered")
    doc["body"]["event-data"].update(event_data)
    body = orjson.dumps(doc["body"])
    (e,) = parse(RawEvent("e", "mailgun", body, RECEIVED_AT, raw.headers), keys)
    return e.campaign_name, e.subscriber_name


def test_mailgun_user_variables_then_tags() -> None:
    variables = {"campaign-name": "from-vars", "name": "John", "newsletter": "N7"}
    got = _mailgun_json({"user-variables": variables, "tags": ["t1"]})
    assert got == ("from-vars", "John")  # Mailgun's own "campaign-name" spelling matches
    assert _mailgun_json({"user-variables": {}, "tags": ["t1", "t2"]}) == ("t1", None)
    got = _mailgun_json({"user-variables": {**variables, "First_Name": "Jo"}}, CUSTOM)
    assert got == ("N7", "Jo")
    assert _mailgun_json({"user-variables": "not a dict", "tags": []}) == (None, None)


def test_mailgun_legacy_form_fields() -> None:
    raw, _ = load_fixture("mailgun", "anymail-legacy-bounced-550-invalid-mailbox")
    fields = dict(
        event="bounced",
        recipient="a@example.com",
        code="550",
        token="t",
        timestamp="1234567890",
        campaign="spring",
        subscriber_name="Ann",
        tag="tagged",
    )
    (e,) = parse(RawEvent("e", "mailgun", urlencode(fields).encode(), RECEIVED_AT, raw.headers))
    assert (e.campaign_name, e.subscriber_name) == ("spring", "Ann")
    del fields["campaign"]
    body = urlencode({**fields, "list": "L9", "first-name": "Annie"}).encode()
    (e,) = parse(RawEvent("e", "mailgun", body, RECEIVED_AT, raw.headers), CUSTOM)
    assert (e.campaign_name, e.subscriber_name) == ("L9", "Annie")
    del fields["subscriber_name"]
    (e,) = parse(RawEvent("e", "mailgun", urlencode(fields).encode(), RECEIVED_AT, raw.headers))
    assert (e.campaign_name, e.subscriber_name) == ("tagged", None)  # legacy tag fallback


def _sendgrid(extra: dict[str, Any], keys: MetadataKeys = DEFAULT_KEYS) -> tuple[Any, ...]:
    raw, doc = load_fixture("sendgrid", "anymail-bounce-type-bounce-550")
    doc["body"][0].update(extra)
    body = orjson.dumps(doc["body"])
    (e,) = parse(RawEvent("e", "sendgrid", body, RECEIVED_AT, raw.headers), keys)
    return e.campaign_name, e.subscriber_name


def test_sendgrid_custom_args_then_category() -> None:
    assert _sendgrid({}) == (None, None)
    assert _sendgrid({"category": ["cat-a", "cat-b"]}) == ("cat-a", None)
    assert _sendgrid({"category": "cat-a", "campaign": "c1", "name": "Sam"}) == ("c1", "Sam")
    custom = {"category": "cat-a", "campaign": "c1", "list": "L2", "First-Name": "Sammy"}
    assert _sendgrid(custom, CUSTOM) == ("L2", "Sammy")
