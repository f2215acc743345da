"""Classification rows: Amazon SES.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
    # ---- Amazon SES (category = eventType / notificationType, lower-case;
    #      qualifier = "bounceType/bounceSubType", lower-case)
    Rule(_SES, "bounce", "permanent", ANY, HARD,
         "SES Permanent (General, NoEmail, Suppressed, OnAccountSuppressionList)"),
    Rule(_SES, "bounce", "transient/general", ANY, TRANSIENT_OR_AUTOREPLY,
         "SES Transient/General: soft; no DSN or out-of-office text = auto-reply"),
    Rule(_SES, "bounce", "transient", ANY, TRANSIENT,
         "SES Transient (MailboxFull, MessageTooLarge, ContentRejected, ...): soft"),
    Rule(_SES, "bounce", "undetermined", ANY, BY_CODE,
         "SES Undetermined: the enhanced status code decides, else soft"),
    Rule(_SES, "bounce", ANY, ANY, BY_CODE,
         "SES bounce of an unknown bounceType: the code decides, else soft"),
    Rule(_SES, "complaint", ANY, ANY, COMPLAINT,
         "SES complaint, any feedback type or complaintSubType"),
    Rule(_SES, "delivery", ANY, ANY, DELIVERY, "SES delivery"),
    Rule(_SES, "deliverydelay", ANY, ANY, IGNORED,
         "SES is still retrying; a Bounce event follows if it gives up"),
    Rule(_SES, "reject", ANY, ANY, IGNORED,
         "SES refused the message (virus): about the message, not the address"),
    Rule(_SES, "rendering failure", ANY, ANY, IGNORED, "template error, not the address"),
    Rule(_SES, "subscription", ANY, ANY, IGNORED,
         "SES list-management preference change, not a bounce"),
    Rule(_SES, "send", ANY, ANY, IGNORED, "engagement / lifecycle, not a bounce"),
    Rule(_SES, "open", ANY, ANY, IGNORED, "engagement, not a bounce"),
    Rule(_SES, "click", ANY, ANY, IGNORED, "engagement, not a bounce"),
    Rule(_SES, "received", ANY, ANY, IGNORED, "inbound mail notification, not ours"),
)
# fmt: on
