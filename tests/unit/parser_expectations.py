"""Provider parsers against every real fixture, table-driven, plus bad input.

EXPECTED states, per fixture file, what the payload means (decided from the
providers' docs): the events that matter, in order, as (kind, email, dedup key,
SMTP code, enhanced code, sending domain); see tests/unit/expectation_types.py. A
dedup key ending in "*" is a prefix (content-hash keys). RAISES: the payload cannot be
applied and must be dead-lettered. SES lives in tests/unit/expectations_ses.py.
"""

from __future__ import annotations

from tests.unit.expectation_types import RAISES, C, D, E, H, S
from tests.unit.expectations_ses import EXPECTED_SES

__all__ = ["EXPECTED", "RAISES", "C", "D", "E", "H", "S"]

MGT = "mailgun:legacy:1234567890abcdef1234567890abcdef"  # anymail's legacy token
SG_AT = "example@test.com"

EXPECTED: dict[tuple[str, str], list[E] | str] = {
    **EXPECTED_SES,
    # ---- Mailgun
    ("mailgun", "anymail-accepted-null-delivery-status"): [],
    ("mailgun", "anymail-clicked"): [],
    ("mailgun", "anymail-complained"): [
        E(C, "recipient@example.com", "mailgun:ncV2XwymRUKbPek_MIM-Gw", domain="example.org"),
    ],
    ("mailgun", "anymail-delivered-full"): [
        E(D, "recipient@example.com", "mailgun:hTWCTD81RtiDN-...", "250", domain="example.org"),
    ],
    ("mailgun", "anymail-failed-permanent-bounce-550"): [
        E(H, "invalid@example.com", "mailgun:sha256:*", "550", "5.1.1"),  # no event id
    ],
    ("mailgun", "anymail-failed-temporary-greylisted-450"): [
        E(S, "undeliverable@mx.example.com", "mailgun:sha256:*", "450"),
    ],
    ("mailgun", "anymail-failed-temporary-no-mx-498"): [
        E(S, "undeliverable@nomx.example.com", "mailgun:sha256:*", "498"),
    ],
    ("mailgun", "anymail-legacy-bounced-550-invalid-mailbox"): [
        E(H, "noreply@example.com", f"{MGT}:bounced:noreply@example.com", "550", "5.1.1"),
    ],
    ("mailgun", "anymail-legacy-bounced-code-5.1.1"): [
        E(H, "noreply@example.com", f"{MGT}:bounced:noreply@example.com", "550", "5.1.1"),
    ],
    ("mailgun", "anymail-legacy-clicked-duplicate-keys-signature-conflict"): [],
    ("mailgun", "anymail-legacy-clicked-metadata-fields"): [],
    # anymail's minimal stubs: a delivery without a recipient cannot be applied
    ("mailgun", "anymail-legacy-delivered-metadata-in-message-headers"): RAISES,
    ("mailgun", "anymail-legacy-delivered-x-mailgun-tag"): RAISES,
    ("mailgun", "anymail-legacy-delivered"): [
        E(
            D,
            "recipient@example.com",
            "mailgun:legacy:06c96bafc3f42a66b9edd546347a2fe18dc23461fe80dc52f0:delivered:"
            "recipient@example.com",
            domain="example.com",
        ),
    ],
    ("mailgun", "anymail-legacy-dropped-hardfail-605-previously-bounced"): [
        E(
            H,
            "bounce@example.com",
            "mailgun:legacy:a3fe1fa1640349ac552b84ddde373014b4c41645830c8dd3fc:dropped:"
            "bounce@example.com",
            "605",
            domain="example.com",
        ),
    ],
    ("mailgun", "anymail-legacy-dropped-hardfail-607-previously-complained"): [],  # echo
    ("mailgun", "anymail-legacy-dropped-old-499"): [
        E(S, "complaint@example.com", f"{MGT}:dropped:complaint@example.com", "499"),
    ],
    ("mailgun", "anymail-legacy-opened-tags"): [],
    ("mailgun", "anymail-opened"): [],
    ("mailgun", "anymail-rejected-sandbox"): [],
    ("mailgun", "anymail-unsubscribed"): [],
    ("mailgun", "mgdocs-accepted-routed"): [],
    ("mailgun", "mgdocs-accepted"): [],
    ("mailgun", "mgdocs-clicked"): [],
    ("mailgun", "mgdocs-complained"): [
        E(C, "foo@example.com", "mailgun:ncV2XwymRUKbPek_MIM-Gw", domain="example.com"),
    ],
    ("mailgun", "mgdocs-delivered"): [
        E(D, "john@example.com", "mailgun:hK7mQVt1QtqRiOfQXta4sw", "250", domain="example.org"),
    ],
    ("mailgun", "mgdocs-failed-permanent-delayed-bounce-550"): [
        E(
            H,
            "christest123@test.com",
            "mailgun:ZDMqRgjLTDi6rQcy7K60aA",
            "550",
            "5.1.1",
            domain="test.com",
        ),
    ],
    ("mailgun", "mgdocs-failed-permanent-suppress-bounce-605"): [
        E(H, "slava@mailgun.com", "mailgun:pl271FzxTTmGRW8Uj3dUWw", "605", domain="example.org"),
    ],
    ("mailgun", "mgdocs-failed-temporary-451-4.7.652"): [
        E(
            S,
            "test@test.com",
            "mailgun:xYrATi63Rke8EC_s7EoJeA",
            "451",
            "4.7.652",
            domain="test.com",
        ),
    ],
    ("mailgun", "mgdocs-opened"): [],
    ("mailgun", "mgdocs-rejected-sandbox"): [],
    ("mailgun", "mgdocs-unsubscribed"): [],
    # ---- SendGrid
    ("sendgrid", "anymail-bounce-type-bounce-550"): [
        E(H, "noreply@example.com", "sendgrid:lC0Rc-FuQmKbnxCWxX1jRQ", "550", "5.1.1"),
    ],
    ("sendgrid", "anymail-click"): [],
    ("sendgrid", "anymail-deferred-throttled"): [],  # SendGrid retries
    ("sendgrid", "anymail-delivered-custom-smtp-id"): [
        E(D, "recipient@example.com", "sendgrid:nOSv8m0eTQ-vxvwNwt3fZQ", "250", "2.0.0"),
    ],
    ("sendgrid", "anymail-delivered"): [
        E(D, "recipient@example.com", "sendgrid:nOSv8m0eTQ-vxvwNwt3fZQ", "250", "2.0.0"),
    ],
    ("sendgrid", "anymail-dropped-bounced-address"): [
        E(H, "example@example.com", "sendgrid:zmzJhfJgAfUSOW80yEbPyw==", None, "5.0.0"),
    ],
    ("sendgrid", "anymail-dropped-invalid"): [
        E(H, "invalid@invalid", "sendgrid:3NPOePGOTkeM_U3fgWApfg"),
    ],
    ("sendgrid", "anymail-dropped-unsubscribed-address"): [],
    ("sendgrid", "anymail-open"): [],
    ("sendgrid", "anymail-processed"): [],
    # the docs' placeholder sg_event_id: four events, one dedup key (expected)
    ("sendgrid", "sgdocs-batch-all-event-types"): [
        E(D, SG_AT, "sendgrid:sg_event_id", "250"),
        E(H, SG_AT, "sendgrid:sg_event_id", "500", "5.0.0"),
        E(H, SG_AT, "sendgrid:sg_event_id", None, "5.0.0"),
        E(C, SG_AT, "sendgrid:sg_event_id"),
    ],
    ("sendgrid", "sgdocs-batch-open-array-category"): [],
    ("sendgrid", "sgdocs-batch-open-string-categories"): [],
    ("sendgrid", "sgdocs-bounce-type-blocked"): [
        E(S, SG_AT, "sendgrid:6g4ZI7SA-xmRDv57GoPIPw==", "500", "5.0.0"),
    ],
    ("sendgrid", "sgdocs-bounce-type-bounce"): [
        E(H, SG_AT, "sendgrid:6g4ZI7SA-xmRDv57GoPIPw==", "500", "5.0.0"),
    ],
    ("sendgrid", "sgdocs-click-newsletter-asm"): [],
    ("sendgrid", "sgdocs-click-unique-args"): [],
    ("sendgrid", "sgdocs-click"): [],
    ("sendgrid", "sgdocs-deferred"): [],
    ("sendgrid", "sgdocs-delivered"): [
        E(D, SG_AT, "sendgrid:rWVYmVk90MjZJ9iohOBa3w==", "250"),
    ],
    ("sendgrid", "sgdocs-dropped-bounced-address"): [
        E(H, SG_AT, "sendgrid:zmzJhfJgAfUSOW80yEbPyw==", None, "5.0.0"),
    ],
    ("sendgrid", "sgdocs-group-resubscribe"): [],
    ("sendgrid", "sgdocs-group-unsubscribe"): [],
    ("sendgrid", "sgdocs-open-single-send"): [],
    ("sendgrid", "sgdocs-open"): [],
    ("sendgrid", "sgdocs-processed-ip-pool"): [],
    ("sendgrid", "sgdocs-processed-reserved-keys"): [],
    ("sendgrid", "sgdocs-processed-with-pool"): [],
    ("sendgrid", "sgdocs-spamreport"): [
        E(C, SG_AT, "sendgrid:37nvH5QBz858KGVYCM4uOA=="),
    ],
    ("sendgrid", "sgdocs-unsubscribe-legacy-marketing"): [],
    ("sendgrid", "sgdocs-unsubscribe"): [],
    ("sendgrid", "sgsdk-signed-dropped-bounced-address"): [
        E(H, "hello@world.com", "sendgrid:ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA"),
    ],
}
