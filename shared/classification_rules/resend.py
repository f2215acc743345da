"""Classification rows: Resend.

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
    # Resend: category = `type`; qualifier = "bounce.type/bounce.subType".
    Rule(_RS, "email.bounced", "permanent", ANY, HARD,
         "Resend Permanent (General, NoEmail, Suppressed, OnAccountSuppressionList)"),
    Rule(_RS, "email.bounced", "transient", ANY, TRANSIENT,
         "Resend Transient (MailboxFull, MessageTooLarge, ContentRejected, ...): soft"),
    Rule(_RS, "email.bounced", "undetermined", ANY, BY_CODE,
         "Resend Undetermined: the enhanced status code decides, else soft"),
    Rule(_RS, "email.bounced", ANY, ANY, HARD,
         "Resend bounced without bounce.type (2023 payloads): documented as permanent"),
    Rule(_RS, "email.suppressed", ANY, ANY, HARD,
         "Resend suppressed (OnAccountSuppressionList): as SES, a hard bounce"),
    Rule(_RS, "email.complained", ANY, ANY, COMPLAINT, "Resend spam complaint"),
    Rule(_RS, "email.delivered", ANY, ANY, DELIVERY, "Resend delivery"),
    Rule(_RS, "email.delivery_delayed", ANY, ANY, IGNORED, "Resend still retrying"),
    Rule(_RS, "email.failed", ANY, ANY, IGNORED,
         "Resend failed to send (quota, invalid sender): not about the address"),
    *not_bounces(
        Source.RESEND,
        "email.sent", "email.opened", "email.clicked", "email.scheduled", "email.received",
        "contact.created", "contact.updated", "contact.deleted", "domain.created", "domain.updated",
        "domain.deleted",
    ),
)
# fmt: on
