"""What every Postmark, SparkPost, Mailjet, Brevo and Mandrill fixture means (issue 10), in
the form of tests/unit/parser_expectations.py: the events that matter, in order, as (kind,
email, dedup key, SMTP code, enhanced code, sending domain). Reasons:
shared/classification_rules.py. Mailjet, Brevo and Mandrill: expectations_mailjet_brevo_mandrill.py."""

from __future__ import annotations

from tests.unit.expectation_types import RAISES, C, D, E, H, S
from tests.unit.expectations_mailjet_brevo_mandrill import EXPECTED_MJ_BREVO_MANDRILL

__all__ = ["EXPECTED_MORE", "PROVIDERS_MORE", "RAISES"]

PROVIDERS_MORE = ("postmark", "sparkpost", "mailjet", "brevo", "mandrill")

PM_DELIVERY = "postmark:delivery:"
PM_CHANGE = "postmark:subscriptionchange:"
SP_GO = "sparkpost:92356927693813856"  # gosparkpost's sample reuses this event_id for all

EXPECTED_MORE: dict[tuple[str, str], list[E] | str] = {
    # ---- postmark
    ("postmark", "anymail-bounce-hardbounce-550-5.1.1"): [
        E(
            H,
            "bounce@example.com",
            "postmark:bounce:901542550",
            "550",
            "5.1.1",
            domain="example.com",
        ),
    ],
    ("postmark", "anymail-bounce-type-unsubscribe-no-email"): [],  # Type Unsubscribe
    ("postmark", "anymail-click"): [],
    ("postmark", "anymail-delivery"): [
        E(
            D,
            "recipient@example.com",
            PM_DELIVERY
            + "883953f4-6105-42a2-a16a-77a8eac79483:recipient@example.com:2014-08-01T13:28:10.2735393-04:00",
        ),
    ],
    ("postmark", "anymail-open-first-open"): [],
    ("postmark", "anymail-spam-complaint"): [
        E(C, "spam@example.com", "postmark:spamcomplaint:901542550", domain="example.com"),
    ],
    # inactive recipient after a hard bounce: hard (CONTRACT §4)
    ("postmark", "anymail-subscription-change-hardbounce"): [
        E(
            H,
            "john@example.com",
            PM_CHANGE
            + "b4cb783d-78ed-43f2-983b-63f55c712dc8:john@example.com:2022-06-05T17:17:32Z",
        ),
    ],
    ("postmark", "anymail-subscription-change-manual-suppression-unsubscribe"): [],  # unsub
    ("postmark", "anymail-subscription-change-reactivation"): [],
    ("postmark", "pmdocs-bounce-hardbounce-no-recordtype"): [
        E(H, "john@example.com", "postmark:bounce:42"),
    ],
    ("postmark", "pmdocs-spam-complaint"): [
        E(C, "john@example.com", "postmark:spamcomplaint:42", domain="example.com"),
    ],
    ("postmark", "pmdocs-subscription-change-hardbounce"): [
        E(
            H,
            "bounced-address@wildbit.com",
            PM_CHANGE
            + "883953f4-6105-42a2-a16a-77a8eac79483:bounced-address@wildbit.com:2020-02-01T10:53:34.416071Z",
        ),
    ],
    ("postmark", "pmsupport-delivery-no-recordtype"): [
        E(
            D,
            "recipeint@example.com",
            PM_DELIVERY
            + "a94dfe84-8ab9-43cf-8a1c-ac234c296e25:recipeint@example.com:2016-12-01T15:41:45-05:00",
            "250",
            "2.0.0",
        ),
    ],
    # ---- sparkpost
    ("sparkpost", "anymail-amp-events-batch-no-recipient"): [],
    ("sparkpost", "anymail-bounce-class-10-550-user-unknown"): [
        E(
            H,
            "bounce@example.com",
            "sparkpost:84345317653491230:bounce:bounce@example.com",
            "550",
            "5.1.1",
        ),
    ],
    ("sparkpost", "anymail-bounce-class-60-auto-reply"): [],  # auto-reply
    ("sparkpost", "anymail-delay-class-21-no-mx"): [],  # SparkPost retries
    ("sparkpost", "anymail-delivery-raw-rcpt-mixed-case"): [
        E(D, "recipient@example.com", SP_GO + ":delivery:recipient@example.com"),
    ],
    ("sparkpost", "anymail-generation-failure-template-error"): [],
    ("sparkpost", "anymail-generation-rejection-suppressed"): [
        E(
            H,
            "suppressed@example.com",
            "sparkpost:102360394390563734:generation_rejection:suppressed@example.com",
            "554",
            "5.7.1",
        ),
    ],
    ("sparkpost", "anymail-injection-full-sample"): [],
    ("sparkpost", "anymail-list-unsubscribe"): [],
    # class 1 (undetermined) "IP is in black list": soft; policy_rejection of it: ignored
    ("sparkpost", "gosdk-batch-sample-events-all-types"): [
        E(
            S,
            "recipient@example.com",
            SP_GO + ":bounce:recipient@example.com",
            "554",
            None,
            domain="example.com",
        ),
        E(
            D,
            "recipient@example.com",
            SP_GO + ":delivery:recipient@example.com",
            domain="example.com",
        ),
        E(
            C,
            "recipient@example.com",
            SP_GO + ":spam_complaint:recipient@example.com",
            domain="example.com",
        ),
        E(
            S,
            "recipient@example.com",
            SP_GO + ":out_of_band:recipient@example.com",
            "554",
            None,
            domain="example.com",
        ),
    ],
    ("sparkpost", "gosdk-out-of-band-class-1-ip-blocklist"): [
        E(
            S,
            "recipient@example.com",
            SP_GO + ":out_of_band:recipient@example.com",
            "554",
            None,
            domain="example.com",
        ),
    ],
    ("sparkpost", "gosdk-spam-complaint-fbtype-abuse"): [
        E(
            C,
            "recipient@example.com",
            SP_GO + ":spam_complaint:recipient@example.com",
            domain="example.com",
        ),
    ],
    ("sparkpost", "javasdk-bounce-class-10-550-5.1.1"): [
        E(
            H,
            "nonexist@example.com",
            "sparkpost:84579375510121478:bounce:nonexist@example.com",
            "550",
            "5.1.1",
            domain="test.example.com",
        ),
    ],
    ("sparkpost", "javasdk-samples-batch-delivery-open-click-bounce-10"): [
        E(
            D,
            "test@example.com",
            "sparkpost:120632847947746861:delivery:test@example.com",
            domain="test.example.com",
        ),
        E(
            D,
            "test@example.com",
            "sparkpost:120632847947747682:delivery:test@example.com",
            domain="test.example.com",
        ),
        E(
            H,
            "as78df9as9d0f8as90df8a9s0df890asdf890asdf@example.com",
            "sparkpost:48575267555968293:bounce:as78df9as9d0f8as90df8a9s0df890asdf890asdf@example.com",
            "550",
            "5.1.1",
            domain="test.example.com",
        ),
        E(
            D,
            "test@example.com",
            "sparkpost:102618457692014774:delivery:test@example.com",
            domain="test.example.com",
        ),
    ],
    ("sparkpost", "spdocs-validate-sample-batch-empty-msys"): [],
    **EXPECTED_MJ_BREVO_MANDRILL,
}
