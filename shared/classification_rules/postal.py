"""Classification rows: Postal.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
    # Suppression echoes: previously hard-bounced -> HARD; previously complained or
    # unsubscribed -> IGNORED (as Mailgun 607 / SendGrid "Spam Reporting Address").
    # Postal: category = `event`; qualifier = payload `status` ("suppressed" when a
    # MessageHeld's details say the recipient is on the suppression list).
    Rule(_PO, "messagesent", ANY, ANY, DELIVERY, "Postal Sent: the receiving MX accepted it"),
    Rule(_PO, "messagedeliveryfailed", "hardfail", ANY, HARD,
         "Postal HardFail: permanent failure, no more retries"),
    Rule(_PO, "messagedeliveryfailed", ANY, ANY, BY_CODE, "Postal failed, other status"),
    Rule(_PO, "messagebounced", ANY, ANY, HARD,
         "Postal MessageBounced: a bounce message came back for a sent message"),
    Rule(_PO, "messagedelayed", ANY, ANY, IGNORED, "Postal SoftFail: Postal retries"),
    Rule(_PO, "messageheld", "suppressed", ANY, HARD,
         "Postal held: recipient on the suppression list (added after a hard fail)"),
    Rule(_PO, "messageheld", ANY, ANY, IGNORED,
         "Postal held for review (spam check, limits, development mode)"),
    *not_bounces(
        Source.POSTAL,
        "messageloaded", "messagelinkclicked", "domaindnserror", "sendlimitapproaching",
        "sendlimitexceeded",
    ),
)
# fmt: on
