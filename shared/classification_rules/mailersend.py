"""Classification rows: MailerSend.

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
    # MailerSend: category = `type`; no qualifier (bounce text only in morph.reason).
    Rule(_MS, "activity.hard_bounced", ANY, ANY, HARD, "MailerSend hard bounce"),
    Rule(_MS, "activity.soft_bounced", ANY, ANY, TRANSIENT,
         "MailerSend soft bounce (final; retries are activity.deferred): soft"),
    Rule(_MS, "activity.deferred", ANY, ANY, IGNORED, "MailerSend still retrying"),
    Rule(_MS, "activity.spam_complaint", ANY, ANY, COMPLAINT, "MailerSend spam complaint"),
    Rule(_MS, "activity.delivered", ANY, ANY, DELIVERY, "MailerSend delivery"),
    *not_bounces(
        Source.MAILERSEND,
        "activity.sent", "activity.opened", "activity.opened_unique", "activity.clicked",
        "activity.clicked_unique", "activity.unsubscribed", "activity.survey_opened",
        "activity.survey_submitted", "activity.identity_verified", "maintenance.start",
        "maintenance.end",
    ),
)
# fmt: on
