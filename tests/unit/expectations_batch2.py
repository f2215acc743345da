"""Issue 10, batch 2: what every Resend, Postal, MailerSend, Unisender Go and Mailtrap
fixture means, in the form of tests/unit/parser_expectations.py (kind, email, dedup key,
SMTP code, enhanced code; a key ending in "*" is a prefix), plus the bounce subtype and
the sending domain.

Decisions (see shared/classification_rules.py for the reason of each row):
suppression echoes of an earlier hard bounce are hard (Resend suppressed, Postal held on
the suppression list, Mailtrap reject "Reason: hard bounce", Unisender Go
err_skip_letter); echoes of an unsubscribe or complaint are ignored; deferrals the
provider retries itself are ignored (Resend delivery_delayed, Postal MessageDelayed,
Unisender Go soft_bounced, Mailtrap soft bounce / suspension).
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
    subtype: str | None = None
    domain: str | None = None  # the sending domain


H, S, C, D = EventKind.HARD, EventKind.SOFT, EventKind.COMPLAINT, EventKind.DELIVERY
PROVIDERS = ("resend", "postal", "mailersend", "unisender_go", "mailtrap")
RS_A = "resend:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"  # anymail's email_id
RS_D = "resend:56761188-7520-42d8-8898-ff6fc54ce618"  # the docs' email_id
MT_ID = "mailtrap:bede7236-2284-43d6-a953-1fdcafd0fdbc"  # reused by docs and anymail
UG = "unisender_go:sha256:*"  # no event id: a hash of the event's content

EXPECTED: dict[tuple[str, str], list[E]] = {
    # ---- Resend
    ("resend", "anymail-bounced-hard-no-bounce-type"): [
        E(
            H,
            "bounced@resend.dev",
            f"{RS_A}:email.bounced:bounced@resend.dev",
            domain="example.com",
        ),
    ],
    # the 2023 payload's only signal is the text: suppressed by Resend = hard
    ("resend", "anymail-bounced-suppressed-no-bounce-type"): [
        E(
            H,
            "blocked@example.org",
            f"{RS_A}:email.bounced:blocked@example.org",
            domain="example.com",
        ),
    ],
    ("resend", "anymail-complained"): [
        E(
            C,
            "complained@resend.dev",
            f"{RS_A}:email.complained:complained@resend.dev",
            domain="example.com",
        ),
    ],
    ("resend", "anymail-delivered"): [
        E(D, "to@example.org", f"{RS_A}:email.delivered:to@example.org", domain="example.com"),
    ],
    ("resend", "anymail-sent-headers-tags"): [],
    ("resend", "rsdocs-bounced-permanent-suppressed"): [
        E(
            H,
            "delivered@resend.dev",
            f"{RS_D}:email.bounced:delivered@resend.dev",
            None,
            None,
            "Suppressed",
            domain="resend.dev",
        ),
    ],
    ("resend", "rsdocs-clicked"): [],
    ("resend", "rsdocs-complained"): [
        E(
            C,
            "delivered@resend.dev",
            f"{RS_D}:email.complained:delivered@resend.dev",
            domain="resend.dev",
        ),
    ],
    ("resend", "rsdocs-delivered"): [
        E(
            D,
            "delivered@resend.dev",
            f"{RS_D}:email.delivered:delivered@resend.dev",
            domain="resend.dev",
        ),
    ],
    ("resend", "rsdocs-delivery-delayed"): [],  # Resend still retries
    ("resend", "rsdocs-failed-reached-daily-quota"): [],  # sender-side
    ("resend", "rsdocs-opened"): [],
    ("resend", "rsdocs-sent"): [],
    ("resend", "rsdocs-suppressed-on-account-suppression-list"): [
        E(
            H,
            "delivered@resend.dev",
            f"{RS_D}:email.suppressed:delivered@resend.dev",
            None,
            None,
            "OnAccountSuppressionList",
            domain="resend.dev",
        ),
    ],
    ("resend", "rssdk-python-bounced-permanent-general-550"): [
        E(
            H,
            "bounced@resend.dev",
            "resend:123:email.bounced:bounced@resend.dev",
            "550",
            "5.1.1",
            "General",
            domain="resend.dev",
        ),
    ],
    # ---- Postal
    ("postal", "anymail-incoming-message-delivery-failed"): [],  # inbound mail, not ours
    ("postal", "anymail-message-delayed-softfail"): [],  # Postal retries
    ("postal", "anymail-message-delivery-failed-hardfail"): [
        E(
            H,
            "failed@example.com",
            "postal:5fec5077-dae7-4989-94d5-e1963f3e9181",
            None,
            None,
            "HardFail",
            domain="example.com",
        ),
    ],
    ("postal", "anymail-message-held-suppression-list"): [
        E(
            H,
            "suppressed@example.com",
            "postal:9be13015-2e54-456c-bf66-eacbe33da824",
            None,
            None,
            "Held",
            domain="example.com",
        ),
    ],
    ("postal", "anymail-message-sent-tag"): [
        E(
            D,
            "recipient@example.com",
            "postal:58e8d7ee-2cd5-4db2-9af3-3f436105795a",
            "250",
            "2.0.0",
            "Sent",
            domain="example.com",
        ),
    ],
    ("postal", "postaldocs-domain-dns-error"): [],
    ("postal", "postaldocs-message-bounced"): [
        E(
            H,
            "test@example.com",
            "postal:9bf0373a-5f62-585b-9c7b-83bd19c9611a",
            domain="awesomeapp.com",
        ),
    ],
    ("postal", "postaldocs-message-link-clicked"): [],
    ("postal", "postaldocs-message-loaded"): [],
    ("postal", "postaldocs-message-sent"): [
        E(
            D,
            "test@example.com",
            "postal:84cc2a15-2335-52bb-ad95-5f322a5f71ce",
            "250",
            "2.0.0",
            "Sent",
            domain="awesomeapp.com",
        ),
    ],
    # ---- MailerSend
    ("mailersend", "anymail-activity-clicked"): [],
    ("mailersend", "anymail-activity-delivered"): [
        E(D, "recipient@example.com", "mailersend:63fd1c1fcfbe46145d003a7b:activity.delivered"),
    ],
    ("mailersend", "anymail-activity-hard-bounced-host-not-found"): [
        E(
            H,
            "invalid@example.com",
            "mailersend:63fd251d5c00f8e52001fce6:activity.hard_bounced",
            None,
            None,
            "Host or domain name not found",
        ),
    ],
    ("mailersend", "anymail-activity-opened"): [],
    ("mailersend", "anymail-activity-sent-full"): [],
    ("mailersend", "anymail-activity-soft-bounced-unknown-reason"): [
        E(
            S,
            "notauser@example.com",
            "mailersend:62f114f8165fe0d8db0288e5:activity.soft_bounced",
            None,
            None,
            "Unknown reason",
        ),
    ],
    ("mailersend", "anymail-activity-spam-complaint"): [
        E(
            C,
            "recipient@example.com",
            "mailersend:62f114f8165fe0d8db0288e5:activity.spam_complaint",
        ),
    ],
    ("mailersend", "anymail-activity-unsubscribed"): [],
    ("mailersend", "msdocs-activity-sent"): [],
    ("mailersend", "mssdk-signed-activity-sent"): [],
    # ---- Unisender Go
    ("unisender_go", "anymail-actual-signed-batch-clicked"): [],
    ("unisender_go", "anymail-batch-sent-and-delivered"): [E(D, "cc@example.com", UG)],
    ("unisender_go", "anymail-batch-sent-unicode-metadata"): [],
    ("unisender_go", "anymail-single-delivered"): [E(D, "recipient@example.com", UG)],
    # Unisender's hard_bounced/err_user_unknown decides, whatever the odd 5.7.1 says
    ("unisender_go", "anymail-single-hard-bounced-err-user-unknown"): [
        E(H, "bounce@example.com", UG, "555", "5.7.1", "err_user_unknown"),
    ],
    ("unisender_go", "anymail-single-opened"): [],
    ("unisender_go", "anymail-single-sent-metadata"): [],
    ("unisender_go", "anymail-single-soft-bounced-err-mailbox-full"): [],  # retried
    ("unisender_go", "anymail-single-spam"): [
        E(C, "to@example.com", UG, "550", None, "err_spam_rejected"),
    ],
    ("unisender_go", "anymail-single-unsubscribed"): [],
    # ---- Mailtrap
    ("mailtrap", "anymail-bounce-hard-550-5.1.1"): [
        E(H, "invalid@example.com", MT_ID, "550", "5.1.1", "hard"),
    ],
    ("mailtrap", "anymail-reject-reason-unknown"): [],
    ("mailtrap", "anymail-soft-bounce-450-unavailable"): [],  # Mailtrap retries
    # bounce_category spam: about the message, not the address
    ("mailtrap", "mtdocs-bounce-spam-555"): [
        E(S, "receiver@example.com", MT_ID, "555", None, "spam", domain="examplesender.com")
    ],
    ("mailtrap", "mtdocs-click"): [],
    ("mailtrap", "mtdocs-delivery"): [
        E(D, "receiver@example.com", MT_ID, domain="examplesender.com")
    ],
    ("mailtrap", "mtdocs-jsonl-delivery-2-events"): [
        E(D, "receiver@example.com", MT_ID, domain="examplesender.com"),
        E(
            D,
            "another@example.com",
            "mailtrap:657b8544-6a95-4c47-997f-6e47922a5052",
            domain="examplesender.com",
        ),
    ],
    ("mailtrap", "mtdocs-jsonl-mixed-delivery-open-click"): [
        E(D, "user1@example.com", "mailtrap:evt-1", domain="example.com"),
    ],
    ("mailtrap", "mtdocs-open"): [],
    ("mailtrap", "mtdocs-reject-suppressed-unsubscription"): [],  # unsubscribe echo
    ("mailtrap", "mtdocs-soft-bounce-greylisting-451"): [],  # Mailtrap retries
    ("mailtrap", "mtdocs-spam-complaint"): [
        E(C, "receiver@example.com", MT_ID, domain="examplesender.com")
    ],
    ("mailtrap", "mtdocs-suspension-daily-limit"): [],  # account limit, retried
    ("mailtrap", "mtdocs-unsubscribe"): [],
    ("mailtrap", "mtsdk-signed-delivery-bare-event"): [
        E(D, "recipient@example.com", "mailtrap:f1e2d3c4-b5a6-7890-1234-567890abcdef"),
    ],
}
