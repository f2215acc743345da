"""Classification rows: Mailgun.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
    # ---- Mailgun (category = event; qualifier = "severity/reason" (JSON webhooks)
    #      or reason (legacy "dropped"); code = delivery-status.code / legacy code)
    Rule(_MG, "failed", ANY, "605", HARD,
         "Mailgun refused: the address hard-bounced before (CONTRACT §4: one fact, one "
         "outcome -- as SendGrid 'Bounced Address' and SES OnAccountSuppressionList)"),
    Rule(_MG, "failed", ANY, "606", IGNORED,
         "Mailgun suppression echo: previously unsubscribed address"),
    Rule(_MG, "failed", ANY, "607", IGNORED,
         "Mailgun suppression echo: previously complained address"),
    Rule(_MG, "failed", "permanent/suppress-bounce", ANY, HARD,
         "Mailgun refused: previously bounced (by reason, whatever the code)"),
    Rule(_MG, "failed", "permanent/suppress-unsubscribe", ANY, IGNORED,
         "Mailgun suppression echo (by reason, whatever the code)"),
    Rule(_MG, "failed", "permanent/suppress-complaint", ANY, IGNORED,
         "Mailgun suppression echo (by reason, whatever the code)"),
    Rule(_MG, "failed", ANY, "498", SOFT,
         "Mailgun-internal (DNS/no MX), not the recipient's reply: soft, any severity"),
    Rule(_MG, "failed", ANY, "499", SOFT,
         "Mailgun-internal (cannot connect/timeout), not a reply: soft, any severity"),
    Rule(_MG, "failed", "permanent", ANY, HARD, "Mailgun severity permanent"),
    Rule(_MG, "failed", "temporary", ANY, SOFT,
         "Mailgun severity temporary (Mailgun retries; a permanent event follows)"),
    Rule(_MG, "failed", ANY, ANY, BY_CODE, "Mailgun failed without severity: code decides"),
    Rule(_MG, "complained", ANY, ANY, COMPLAINT, "Mailgun complaint (FBL)"),
    Rule(_MG, "delivered", ANY, ANY, DELIVERY, "Mailgun delivery"),
    Rule(_MG, "bounced", ANY, ANY, HARD,
         "legacy webhook 'bounced' is Mailgun's permanent failure"),
    Rule(_MG, "dropped", ANY, "605", HARD, "legacy: refused, the address bounced before"),
    Rule(_MG, "dropped", ANY, "606", IGNORED, "legacy suppression echo: unsubscribed"),
    Rule(_MG, "dropped", ANY, "607", IGNORED, "legacy suppression echo: complained"),
    Rule(_MG, "dropped", ANY, "498", SOFT, "legacy Mailgun-internal DNS failure: soft"),
    Rule(_MG, "dropped", ANY, "499", SOFT, "legacy Mailgun-internal connect failure: soft"),
    Rule(_MG, "dropped", "hardfail", ANY, HARD,
         "legacy dropped/hardfail: permanent failure (e.g. no such mailbox)"),
    Rule(_MG, "dropped", "old", ANY, SOFT,
         "legacy dropped/old: retries for temporary failures timed out"),
    Rule(_MG, "dropped", "maxfails", ANY, SOFT,
         "legacy dropped/maxfails: too many temporary failures"),
    Rule(_MG, "dropped", ANY, ANY, BY_CODE, "legacy dropped, other reason: code decides"),
    *not_bounces(
        Source.MAILGUN,
        "accepted", "rejected", "opened", "clicked", "unsubscribed", "stored",
        "list_member_uploaded", "list_member_upload_error", "list_uploaded",
    ),
)
# fmt: on
