"""Classification rows: Mailjet.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
    # ---- Mailjet (category = event; bounce qualifier = "hard" / "soft" from `hard_bounce`;
    #      blocked qualifier = "<error_related_to>/<error>", lower-case, from Mailjet's
    #      "Possible values for errors" table)
    Rule(Source.MAILJET, "bounce", "hard", ANY, HARD, "Mailjet bounce, hard_bounce true"),
    Rule(Source.MAILJET, "bounce", "soft", ANY, TRANSIENT, "Mailjet bounce, hard_bounce false"),
    Rule(Source.MAILJET, "bounce", ANY, ANY, BY_CODE, "Mailjet bounce without hard_bounce"),
    Rule(Source.MAILJET, "blocked", "recipient/user unknown", ANY, HARD,
         "Mailjet blocked: the address is known not to exist (earlier bounce): §4"),
    Rule(Source.MAILJET, "blocked", "recipient/mailbox inactive", ANY, HARD,
         "Mailjet blocked: mailbox known inactive (earlier bounce): §4"),
    Rule(Source.MAILJET, "blocked", "domain/invalid domain", ANY, HARD,
         "Mailjet blocked: the domain does not exist"),
    Rule(Source.MAILJET, "blocked", "domain/no mail host", ANY, HARD,
         "Mailjet blocked: the domain accepts no mail"),
    Rule(Source.MAILJET, "blocked", "domain/typofix", ANY, HARD,
         "Mailjet blocked: mistyped domain, an invalid address (as SendGrid 'invalid')"),
    Rule(Source.MAILJET, "blocked", "mailjet/preblocked", ANY, HARD,
         "Mailjet preblocked: the address bounced before: one fact, one outcome (§4)"),
    Rule(Source.MAILJET, "blocked", "recipient/spam reporter", ANY, IGNORED,
         "Mailjet blocked after an earlier complaint: ignored, as Mailgun 607"),
    Rule(Source.MAILJET, "blocked", ANY, ANY, IGNORED,
         "Mailjet blocked for a sender-side reason (own blocklist, duplicate, spam/content, "
         "system): not about the address"),
    Rule(Source.MAILJET, "spam", ANY, ANY, COMPLAINT, "Mailjet spam complaint (FBL)"),
    Rule(Source.MAILJET, "sent", ANY, ANY, DELIVERY,
         "Mailjet 'sent': accepted by the recipient's server (a delivery)"),
    *not_bounces(Source.MAILJET, "open", "click", "unsub"),
)
# fmt: on
