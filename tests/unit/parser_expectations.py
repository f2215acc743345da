"""Provider parsers against every real fixture, table-driven, plus bad input.

EXPECTED states, per fixture file, what the payload means (decided from the
providers' docs): the events that matter, in order, as (kind, email, dedup key,
SMTP code, enhanced code). A dedup key ending in "*" is a prefix (content-hash
keys). RAISES: the payload cannot be applied and must be dead-lettered.
"""

from __future__ import annotations

from typing import NamedTuple

from shared.models import EventKind


class E(NamedTuple):
    kind: EventKind
    email: str
    key: str
    smtp: str | None = None
    enhanced: str | None = None


H, S, C, D = EventKind.HARD, EventKind.SOFT, EventKind.COMPLAINT, EventKind.DELIVERY
RAISES = "raises"
A19 = "ses:19ba9823-d7f2-53c1-860e-cb10e0d13dfc"  # anymail reuses this SNS MessageId
MGT = "mailgun:legacy:1234567890abcdef1234567890abcdef"  # anymail's legacy token
SG_AT = "example@test.com"

EXPECTED: dict[tuple[str, str], list[E] | str] = {
    # ---- SES
    ("ses", "anymail-event-click"): [],
    ("ses", "anymail-event-open"): [],
    ("ses", "anymail-event-reject"): [],
    ("ses", "anymail-event-rendering-failure"): [],
    ("ses", "anymail-event-send"): [],
    ("ses", "anymail-notif-bounce-permanent-general-2rcpt"): [
        E(H, "jane@example.com", f"{A19}:jane@example.com"),
        E(H, "richard@example.com", f"{A19}:richard@example.com"),
    ],
    ("ses", "anymail-notif-bounce-permanent-general-full-envelope"): [
        E(H, "jane@example.com", f"{A19}:jane@example.com", "550", "5.1.1"),
    ],
    ("ses", "anymail-notif-complaint-abuse"): [
        E(C, "richard@example.com", f"{A19}:richard@example.com"),
    ],
    ("ses", "anymail-notif-delivery"): [
        E(D, "jane@example.com", f"{A19}:jane@example.com", "250"),
    ],
    ("ses", "anymail-notif-empty-message"): [],  # Message "{}": no SES schema
    ("ses", "anymail-notif-received-inbound-misrouted"): [],  # inbound, not ours
    ("ses", "anymail-sns-subscription-confirmation"): [],
    ("ses", "anymail-sns-topic-validated-notification"): [],  # plain-text Message
    ("ses", "anymail-sns-unsubscribe-confirmation"): [],
    ("ses", "awsdocs-event-bounce-permanent-general"): [
        E(
            H,
            "recipient@example.com",
            "ses:eee9cfb0-291b-5be9-bdf4-835e2f436c76:recipient@example.com",
            "550",
            "5.1.1",
        ),
    ],
    ("ses", "awsdocs-event-click"): [],
    ("ses", "awsdocs-event-complaint-abuse"): [
        E(
            C,
            "recipient@example.com",
            "ses:0df1c6a6-f44e-5da3-97d6-ab464d9b3957:recipient@example.com",
        ),
    ],
    ("ses", "awsdocs-event-delivery"): [
        E(
            D,
            "recipient@example.com",
            "ses:33e509ee-4ec5-5156-b6f2-8b4058b95dc1:recipient@example.com",
            "250",
            "2.6.0",
        ),
    ],
    ("ses", "awsdocs-event-deliverydelay"): [],  # SES still retrying
    ("ses", "awsdocs-event-open"): [],
    ("ses", "awsdocs-event-reject"): [],
    ("ses", "awsdocs-event-rendering-failure"): [],
    ("ses", "awsdocs-event-send"): [],
    ("ses", "awsdocs-event-subscription"): [],
    ("ses", "awsdocs-notif-bounce-permanent-general-no-dsn-2rcpt"): [
        E(H, "jane@example.com", "ses:d84ae596-2fbc-5df9-93c2-67e4dea61a93:jane@example.com"),
        E(
            H,
            "richard@example.com",
            "ses:d84ae596-2fbc-5df9-93c2-67e4dea61a93:richard@example.com",
        ),
    ],
    ("ses", "awsdocs-notif-bounce-permanent-general-with-dsn"): [
        E(
            H,
            "jane@example.com",
            "ses:c237b4c0-9334-5798-ada2-946245f43b4f:jane@example.com",
            "550",
            "5.1.1",
        ),
    ],
    ("ses", "awsdocs-notif-complaint-abuse-with-feedback-report"): [
        E(
            C,
            "richard@example.com",
            "ses:5c5ddc44-4edd-5a01-9bb0-dd0bd87f52e9:richard@example.com",
        ),
    ],
    ("ses", "awsdocs-notif-complaint-no-feedback-report"): [
        E(
            C,
            "richard@example.com",
            "ses:d90c3c48-0a23-5b30-b7be-82d6c3e01b41:richard@example.com",
        ),
    ],
    ("ses", "awsdocs-notif-delivery"): [
        E(
            D,
            "jane@example.com",
            "ses:8bc6400c-2836-5dbd-a44d-99719428247c:jane@example.com",
            "250",
        ),
    ],
    ("ses", "awsdocs-rawdelivery-event-bounce-permanent-general"): [
        E(
            H,
            "recipient@example.com",
            "ses:65ec82c6-38b4-5561-bc9c-0d67186998fd:recipient@example.com",
            "550",
            "5.1.1",
        ),
    ],
    ("ses", "awsdocs-sns-subscription-confirmation"): [],
    ("ses", "awsdocs-sns-unsubscribe-confirmation"): [],
    ("ses", "capture-notif-bounce-permanent-suppressed-signed"): [
        E(
            H,
            "suppressionlist@simulator.amazonses.com",
            "ses:06639ad4-ee6a-5401-8006-c9173fd8f941:suppressionlist@simulator.amazonses.com",
            None,
            "5.1.1",
        ),
    ],
    ("ses", "capture-rawdelivery-event-bounce-permanent-general-display-name"): [
        E(
            H,
            "bounce@simulator.amazonses.com",
            "ses:31778908-ec93-59a2-9572-2ea430376794:bounce@simulator.amazonses.com",
            "550",
            "5.1.1",
        ),
    ],
    ("ses", "capture-rawdelivery-event-bounce-permanent-suppressed"): [
        E(
            H,
            "suppressionlist@simulator.amazonses.com",
            "ses:46dfb8f0-b307-523c-8c23-93ecc2a1d273:suppressionlist@simulator.amazonses.com",
            None,
            "5.1.1",
        ),
    ],
    # Transient/General without any DSN: the simulator's out-of-office auto-reply
    ("ses", "capture-rawdelivery-event-bounce-transient-general-ooto"): [],
    ("ses", "capture-rawdelivery-event-complaint-simulator"): [
        E(
            C,
            "complaint@simulator.amazonses.com",
            "ses:755da9d1-8f5c-5262-99a7-7219138a879a:complaint@simulator.amazonses.com",
        ),
    ],
    # ---- Mailgun
    ("mailgun", "anymail-accepted-null-delivery-status"): [],
    ("mailgun", "anymail-clicked"): [],
    ("mailgun", "anymail-complained"): [
        E(C, "recipient@example.com", "mailgun:ncV2XwymRUKbPek_MIM-Gw"),
    ],
    ("mailgun", "anymail-delivered-full"): [
        E(D, "recipient@example.com", "mailgun:hTWCTD81RtiDN-...", "250"),
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
        ),
    ],
    ("mailgun", "anymail-legacy-dropped-hardfail-605-previously-bounced"): [
        E(
            H,
            "bounce@example.com",
            "mailgun:legacy:a3fe1fa1640349ac552b84ddde373014b4c41645830c8dd3fc:dropped:"
            "bounce@example.com",
            "605",
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
        E(C, "foo@example.com", "mailgun:ncV2XwymRUKbPek_MIM-Gw"),
    ],
    ("mailgun", "mgdocs-delivered"): [
        E(D, "john@example.com", "mailgun:hK7mQVt1QtqRiOfQXta4sw", "250"),
    ],
    ("mailgun", "mgdocs-failed-permanent-delayed-bounce-550"): [
        E(H, "christest123@test.com", "mailgun:ZDMqRgjLTDi6rQcy7K60aA", "550", "5.1.1"),
    ],
    ("mailgun", "mgdocs-failed-permanent-suppress-bounce-605"): [
        E(H, "slava@mailgun.com", "mailgun:pl271FzxTTmGRW8Uj3dUWw", "605"),
    ],
    ("mailgun", "mgdocs-failed-temporary-451-4.7.652"): [
        E(S, "test@test.com", "mailgun:xYrATi63Rke8EC_s7EoJeA", "451", "4.7.652"),
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
