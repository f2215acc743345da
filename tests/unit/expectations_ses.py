"""What every SES fixture means (the SES part of tests/unit/parser_expectations.py)."""

from __future__ import annotations

from tests.unit.expectation_types import C, D, E, H

A19 = "ses:19ba9823-d7f2-53c1-860e-cb10e0d13dfc"  # anymail reuses this SNS MessageId

EXPECTED_SES: dict[tuple[str, str], list[E] | str] = {
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
        E(H, "jane@example.com", f"{A19}:jane@example.com", "550", "5.1.1", domain="example.com"),
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
            domain="example.com",
        ),
    ],
    ("ses", "awsdocs-event-click"): [],
    ("ses", "awsdocs-event-complaint-abuse"): [
        E(
            C,
            "recipient@example.com",
            "ses:0df1c6a6-f44e-5da3-97d6-ab464d9b3957:recipient@example.com",
            domain="example.com",
        ),
    ],
    ("ses", "awsdocs-event-delivery"): [
        E(
            D,
            "recipient@example.com",
            "ses:33e509ee-4ec5-5156-b6f2-8b4058b95dc1:recipient@example.com",
            "250",
            "2.6.0",
            domain="example.com",
        ),
    ],
    ("ses", "awsdocs-event-deliverydelay"): [],  # SES still retrying
    ("ses", "awsdocs-event-open"): [],
    ("ses", "awsdocs-event-reject"): [],
    ("ses", "awsdocs-event-rendering-failure"): [],
    ("ses", "awsdocs-event-send"): [],
    ("ses", "awsdocs-event-subscription"): [],
    ("ses", "awsdocs-notif-bounce-permanent-general-no-dsn-2rcpt"): [
        E(
            H,
            "jane@example.com",
            "ses:d84ae596-2fbc-5df9-93c2-67e4dea61a93:jane@example.com",
            domain="example.com",
        ),
        E(
            H,
            "richard@example.com",
            "ses:d84ae596-2fbc-5df9-93c2-67e4dea61a93:richard@example.com",
            domain="example.com",
        ),
    ],
    ("ses", "awsdocs-notif-bounce-permanent-general-with-dsn"): [
        E(
            H,
            "jane@example.com",
            "ses:c237b4c0-9334-5798-ada2-946245f43b4f:jane@example.com",
            "550",
            "5.1.1",
            domain="example.com",
        ),
    ],
    ("ses", "awsdocs-notif-complaint-abuse-with-feedback-report"): [
        E(
            C,
            "richard@example.com",
            "ses:5c5ddc44-4edd-5a01-9bb0-dd0bd87f52e9:richard@example.com",
            domain="example.com",
        ),
    ],
    ("ses", "awsdocs-notif-complaint-no-feedback-report"): [
        E(
            C,
            "richard@example.com",
            "ses:d90c3c48-0a23-5b30-b7be-82d6c3e01b41:richard@example.com",
            domain="example.com",
        ),
    ],
    ("ses", "awsdocs-notif-delivery"): [
        E(
            D,
            "jane@example.com",
            "ses:8bc6400c-2836-5dbd-a44d-99719428247c:jane@example.com",
            "250",
            domain="example.com",
        ),
    ],
    ("ses", "awsdocs-rawdelivery-event-bounce-permanent-general"): [
        E(
            H,
            "recipient@example.com",
            "ses:65ec82c6-38b4-5561-bc9c-0d67186998fd:recipient@example.com",
            "550",
            "5.1.1",
            domain="example.com",
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
            domain="trustback.me",
        ),
    ],
    ("ses", "capture-rawdelivery-event-bounce-permanent-general-display-name"): [
        E(
            H,
            "bounce@simulator.amazonses.com",
            "ses:31778908-ec93-59a2-9572-2ea430376794:bounce@simulator.amazonses.com",
            "550",
            "5.1.1",
            domain="everyvoter.us",
        ),
    ],
    ("ses", "capture-rawdelivery-event-bounce-permanent-suppressed"): [
        E(
            H,
            "suppressionlist@simulator.amazonses.com",
            "ses:46dfb8f0-b307-523c-8c23-93ecc2a1d273:suppressionlist@simulator.amazonses.com",
            None,
            "5.1.1",
            domain="everyvoter.us",
        ),
    ],
    # Transient/General without any DSN: the simulator's out-of-office auto-reply
    ("ses", "capture-rawdelivery-event-bounce-transient-general-ooto"): [],
    ("ses", "capture-rawdelivery-event-complaint-simulator"): [
        E(
            C,
            "complaint@simulator.amazonses.com",
            "ses:755da9d1-8f5c-5262-99a7-7219138a879a:complaint@simulator.amazonses.com",
            domain="everyvoter.us",
        ),
    ],
}
