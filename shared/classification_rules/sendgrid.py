"""Classification rows: SendGrid.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
    # ---- SendGrid (category = event, lower-case; qualifier = bounce `type` or
    #      dropped `reason`, lower-case)
    Rule(_SG, "bounce", "bounce", ANY, HARD, "SendGrid bounce type=bounce"),
    Rule(_SG, "bounce", "blocked", ANY, TRANSIENT,
         "SendGrid bounce type=blocked (block, not a dead address): soft"),
    Rule(_SG, "bounce", ANY, ANY, HARD, "SendGrid bounce without type (older payloads)"),
    Rule(_SG, "dropped", "bounced address", ANY, HARD,
         "SendGrid dropped: address on SendGrid's bounce list"),
    Rule(_SG, "dropped", "invalid", ANY, HARD, "SendGrid dropped: invalid address"),
    Rule(_SG, "dropped", "unsubscribed address", ANY, IGNORED,
         "SendGrid dropped: unsubscribe echo, not a bounce"),
    Rule(_SG, "dropped", "spam reporting address", ANY, IGNORED,
         "SendGrid dropped: complaint echo, the spamreport event was the signal"),
    Rule(_SG, "dropped", ANY, ANY, IGNORED,
         "SendGrid dropped for a sender-side reason (SMTPAPI header, spam content, quota)"),
    Rule(_SG, "deferred", ANY, ANY, IGNORED,
         "SendGrid deferred: it retries; a bounce/dropped follows if it gives up"),
    Rule(_SG, "spamreport", ANY, ANY, COMPLAINT, "SendGrid spam report"),
    Rule(_SG, "delivered", ANY, ANY, DELIVERY, "SendGrid delivery"),
    *not_bounces(
        Source.SENDGRID,
        "processed", "open", "click", "unsubscribe", "group_unsubscribe", "group_resubscribe",
        "machine_opened",
    ),
)
# fmt: on
