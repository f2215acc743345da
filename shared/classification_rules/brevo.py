"""Classification rows: Brevo.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
    # ---- Brevo (category = event; blocked qualifier = "hard-bounce" / "invalid" /
    #      "spam" / "other", read from `reason`)
    Rule(Source.BREVO, "hard_bounce", ANY, ANY, HARD, "Brevo hard bounce"),
    Rule(Source.BREVO, "soft_bounce", ANY, ANY, TRANSIENT, "Brevo soft bounce"),
    Rule(Source.BREVO, "invalid_email", ANY, ANY, HARD, "Brevo invalid address"),
    Rule(Source.BREVO, "blocked", "hard-bounce", ANY, HARD,
         "Brevo blocked an address that hard-bounced before: one fact (§4)"),
    Rule(Source.BREVO, "blocked", "invalid", ANY, HARD,
         "Brevo blocked an invalid address (as SendGrid dropped 'invalid')"),
    Rule(Source.BREVO, "blocked", "spam", ANY, IGNORED,
         "Brevo blocked after an earlier complaint: ignored, as Mailgun 607"),
    Rule(Source.BREVO, "blocked", ANY, ANY, IGNORED,
         "Brevo blocked a blocklisted contact for an unnamed reason (unsubscribe, manual, "
         "complaint or bounce): not evidence of a dead address"),
    Rule(Source.BREVO, "spam", ANY, ANY, COMPLAINT, "Brevo spam complaint"),
    Rule(Source.BREVO, "complaint", ANY, ANY, COMPLAINT, "Brevo complaint"),
    Rule(Source.BREVO, "delivered", ANY, ANY, DELIVERY, "Brevo delivery"),
    Rule(Source.BREVO, "deferred", ANY, ANY, IGNORED,
         "Brevo deferred: it retries; a bounce follows if it gives up"),
    Rule(Source.BREVO, "error", ANY, ANY, IGNORED, "Brevo sending error: sender-side"),
    *not_bounces(
        Source.BREVO,
        "request", "click", "opened", "unique_opened", "proxy_open", "unique_proxy_open",
        "unsubscribed", "list_addition", "sent",
    ),
)
# fmt: on
