"""What every Mailjet, Brevo and Mandrill fixture means: the second half of
tests/unit/parser_expectations_more.py, in the same form."""

from __future__ import annotations

from tests.unit.expectation_types import C, D, E, H, S

MJ_ANY = "mailjet:12345678901234567"  # anymail's MessageID, above 2**53
BREVO_MID = "brevo:201803011158.9876543210@smtp-relay.mailin.fr"
MANDRILL_ID = "mandrill:abcdef012345789abcdef012345789"

EXPECTED_MJ_BREVO_MANDRILL: dict[tuple[str, str], list[E] | str] = {
    # ---- mailjet
    ("mailjet", "anymail-blocked-typofix"): [
        E(H, "bad@example.com", MJ_ANY + ":blocked:bad@example.com:1498093527"),
    ],
    ("mailjet", "anymail-bounce-hard-invalid-domain"): [
        E(H, "invalid@invalid", MJ_ANY + ":bounce:invalid@invalid:1498093527"),
    ],
    ("mailjet", "anymail-bounce-soft-greylisted"): [
        E(
            S,
            "protected@example.com",
            MJ_ANY + ":bounce:protected@example.com:1498093527",
        ),
    ],
    ("mailjet", "anymail-sent-non-grouped-bare-object"): [
        E(
            D,
            "recipient@example.com",
            MJ_ANY + ":sent:recipient@example.com:1498093527",
            "250",
            "2.0.0",
        ),
    ],
    ("mailjet", "anymail-sent-with-payload"): [
        E(
            D,
            "recipient@example.com",
            MJ_ANY + ":sent:recipient@example.com:1498093527",
            "250",
            "2.0.0",
        ),
    ],
    ("mailjet", "anymail-spam"): [
        E(C, "spam@example.com", MJ_ANY + ":spam:spam@example.com:1498093527"),
    ],
    ("mailjet", "anymail-unsub-list-unsubscribe-header"): [],
    ("mailjet", "mjdocs-batch-two-sent"): [
        E(
            D,
            "api@mailjet.com",
            "mailjet:19421777835146490:sent:api@mailjet.com:1433333949",
            "250",
            "2.0.0",
        ),
        E(
            D,
            "api@mailjet.com",
            "mailjet:19421777835146491:sent:api@mailjet.com:1433333949",
            "250",
            "2.0.0",
        ),
    ],
    ("mailjet", "mjdocs-blocked-user-unknown"): [
        E(
            H,
            "bounce@mailjet.com",
            "mailjet:13792286917004336:blocked:bounce@mailjet.com:1430812195",
        ),
    ],
    ("mailjet", "mjdocs-bounce-hard-user-unknown"): [
        E(
            H,
            "bounce@mailjet.com",
            "mailjet:13792286917004336:bounce:bounce@mailjet.com:1430812195",
        ),
    ],
    ("mailjet", "mjdocs-click"): [],
    ("mailjet", "mjdocs-open"): [],
    ("mailjet", "mjdocs-sent"): [
        E(
            D,
            "api@mailjet.com",
            "mailjet:19421777835146490:sent:api@mailjet.com:1433333949",
            "250",
            "2.0.0",
        ),
    ],
    ("mailjet", "mjdocs-spam-fbl-jmrpp"): [
        E(C, "bounce@mailjet.com", "mailjet:13792286917004336:spam:bounce@mailjet.com:1430812195"),
    ],
    ("mailjet", "mjdocs-unsub"): [],
    # ---- brevo
    ("brevo", "anymail-blocked-blacklisted-user"): [],  # blocklisted, reason not named
    ("brevo", "anymail-click"): [],
    ("brevo", "anymail-complaint"): [
        E(
            C,
            "example@domain.com",
            "brevo:201798300811.5787683@relay.domain.com:complaint:example@domain.com:1604933654",
        ),
    ],
    ("brevo", "anymail-deferred-550-5.1.1-user-unknown"): [],  # Brevo retries
    ("brevo", "anymail-delivered"): [
        E(
            D,
            "recipient@example.com",
            BREVO_MID + ":delivered:recipient@example.com:1520363423000",
        ),
    ],
    ("brevo", "anymail-error"): [],
    ("brevo", "anymail-hard-bounce-550-5.5.0-mailbox-unavailable"): [
        E(
            H,
            "not-a-user@example.com",
            BREVO_MID + ":hard_bounce:not-a-user@example.com:1520363423000",
            "550",
            "5.5.0",
        ),
    ],
    ("brevo", "anymail-opened"): [],
    ("brevo", "anymail-proxy-open"): [],
    ("brevo", "anymail-request-sent-full"): [],
    ("brevo", "anymail-soft-bounce-no-mx"): [
        E(
            S,
            "recipient@no-mx.example.com",
            BREVO_MID + ":soft_bounce:recipient@no-mx.example.com:1520363423000",
        ),
    ],
    ("brevo", "anymail-unique-opened"): [],
    ("brevo", "anymail-unique-proxy-open"): [],
    # ---- mandrill
    ("mandrill", "anymail-click"): [],
    ("mandrill", "anymail-hard-bounce-bad-mailbox-550-5.1.1"): [
        E(
            H,
            "bounce@example.com",
            MANDRILL_ID + ":hard_bounce:bounce@example.com:1461095246",
            "550",
            "5.1.1",
            domain="example.com",
        ),
    ],
    ("mandrill", "anymail-minimal-send-no-msg"): [],
    ("mandrill", "anymail-send"): [],
    ("mandrill", "anymail-sync-blacklist-add-manual"): [],  # manual, not a bounce
    ("mandrill", "mcdocs-webhook-check-empty-batch-test-webhook-key"): [],  # test post
}
