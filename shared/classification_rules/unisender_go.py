"""Classification rows: Unisender Go.

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
    # Unisender Go: category = `status`; qualifier = delivery_info.delivery_status.
    Rule(_UG, "hard_bounced", ANY, ANY, HARD, "Unisender Go hard_bounced: final failure"),
    Rule(_UG, "hard_bounced", "err_skip_letter", ANY, HARD,
         "Unisender Go skipped: address unavailable after earlier bounces (echo)"),
    Rule(_UG, "hard_bounced", "err_unsubscribed", ANY, IGNORED,
         "Unisender Go: unsubscribe echo, not a bounce"),
    Rule(_UG, "hard_bounced", "err_mailbox_full", ANY, SOFT, "mailbox full: about the message"),
    Rule(_UG, "hard_bounced", "err_too_large", ANY, SOFT, "message too large"),
    Rule(_UG, "hard_bounced", "err_spam_rejected", ANY, SOFT, "content rejected as spam"),
    Rule(_UG, "hard_bounced", "err_ip_blocked", ANY, SOFT, "sending IP blocked"),
    Rule(_UG, "hard_bounced", "err_not_allowed", ANY, IGNORED, "sender-side: sending not allowed"),
    Rule(_UG, "hard_bounced", "err_src_invalid", ANY, IGNORED, "sender-side: bad sender address"),
    Rule(_UG, "hard_bounced", "err_lost", ANY, IGNORED, "Unisender Go lost the message"),
    Rule(_UG, "hard_bounced", "err_internal", ANY, IGNORED, "Unisender Go internal error"),
    Rule(_UG, "soft_bounced", ANY, ANY, IGNORED,
         "Unisender Go retries 24-48 h, then delivered or hard_bounced"),
    Rule(_UG, "spam", ANY, ANY, COMPLAINT, "Unisender Go spam: FBL complaint"),
    Rule(_UG, "delivered", ANY, ANY, DELIVERY, "Unisender Go delivery"),
    *not_bounces(Source.UNISENDER_GO, "sent", "opened", "clicked", "unsubscribed", "subscribed"),
)
# fmt: on
