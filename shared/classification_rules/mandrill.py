"""Classification rows: Mandrill.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
    # ---- Mandrill (category = event, or the sync `type` (blacklist / whitelist) with
    #      qualifier "<action>/<reject.reason>"; reject qualifier = the rejection reason;
    #      bounce qualifier = `bounce_description`)
    Rule(Source.MANDRILL, "hard_bounce", "mailbox_full", ANY, SOFT,
         "Mandrill hard_bounce for a full mailbox: soft (RFC 3463 X.2.2)"),
    Rule(Source.MANDRILL, "hard_bounce", ANY, ANY, HARD, "Mandrill hard bounce"),
    Rule(Source.MANDRILL, "soft_bounce", ANY, ANY, TRANSIENT, "Mandrill soft bounce"),
    Rule(Source.MANDRILL, "spam", ANY, ANY, COMPLAINT, "Mandrill spam complaint"),
    Rule(Source.MANDRILL, "reject", "hard-bounce", ANY, HARD,
         "Mandrill rejected: address on the denylist for a hard bounce: one fact (§4)"),
    Rule(Source.MANDRILL, "reject", "invalid", ANY, HARD,
         "Mandrill rejected an invalid address (as SendGrid dropped 'invalid')"),
    Rule(Source.MANDRILL, "reject", "spam", ANY, IGNORED,
         "Mandrill rejected after an earlier complaint: ignored, as Mailgun 607"),
    Rule(Source.MANDRILL, "reject", ANY, ANY, IGNORED,
         "Mandrill rejected for soft-bounce, unsub, custom, rule or sender reasons"),
    Rule(Source.MANDRILL, "blacklist", "add/hard-bounce", ANY, HARD,
         "Mandrill denylisted the address for a hard bounce: one fact (§4)"),
    Rule(Source.MANDRILL, "blacklist", ANY, ANY, IGNORED,
         "Mandrill denylist change for another reason, or a removal"),
    Rule(Source.MANDRILL, "deferral", ANY, ANY, IGNORED,
         "Mandrill deferral: it retries; a bounce follows if it gives up"),
    *not_bounces(Source.MANDRILL, "send", "open", "click", "unsub", "whitelist"),
)
# fmt: on
