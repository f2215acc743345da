"""Classification rows: Mailtrap.

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
    # Mailtrap: category = `event`; qualifier = bounce_category, or for reject
    # "suppressed/<reason>" from "Recipient in suppression list. Reason: <reason>".
    Rule(_MT, "bounce", "badrecipient", ANY, HARD, "Mailtrap bad recipient: no such address"),
    Rule(_MT, "bounce", "hard", ANY, HARD, "Mailtrap hard bounce (older category)"),
    Rule(_MT, "bounce", "overquota", ANY, SOFT, "mailbox full: as SES MailboxFull, soft"),
    Rule(_MT, "bounce", "spam", ANY, TRANSIENT, "rejected as spam: about the message"),
    Rule(_MT, "bounce", "spam_gmail", ANY, TRANSIENT, "Gmail limits: about the sender"),
    Rule(_MT, "bounce", "content", ANY, TRANSIENT, "content filter: about the message"),
    Rule(_MT, "bounce", "block", ANY, TRANSIENT, "blocked by policy: about the sender"),
    Rule(_MT, "bounce", "serverpolicy", ANY, TRANSIENT, "server policy: about the sender"),
    Rule(_MT, "bounce", "badsender", ANY, TRANSIENT, "bad sender: about the sender"),
    Rule(_MT, "bounce", ANY, ANY, BY_STATUS,
         "Mailtrap bounce (final), other category: the status code decides"),
    Rule(_MT, "soft bounce", ANY, ANY, IGNORED,
         "Mailtrap retries 10 more times; delivery or bounce follows"),
    Rule(_MT, "suspension", ANY, ANY, IGNORED,
         "Mailtrap holds mail of an unverified domain / account limit; retries"),
    Rule(_MT, "reject", "suppressed/hard bounce", ANY, HARD,
         "Mailtrap suppression echo: previously hard-bounced address"),
    Rule(_MT, "reject", "suppressed/bounce", ANY, HARD,
         "Mailtrap suppression echo: previously bounced address"),
    Rule(_MT, "reject", ANY, ANY, IGNORED,
         "Mailtrap reject: unsubscribe / complaint / manual echo, or unverified domain"),
    Rule(_MT, "spam", ANY, ANY, COMPLAINT, "Mailtrap spam complaint"),
    Rule(_MT, "delivery", ANY, ANY, DELIVERY, "Mailtrap delivery"),
    *not_bounces(Source.MAILTRAP, "open", "click", "unsubscribe"),
)
# fmt: on
