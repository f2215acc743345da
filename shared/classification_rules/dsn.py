"""Classification rows: Raw DSN / ARF messages.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
    # ---- Raw messages (services/processor/parsers/dsn.py). RFC 3464 DSN: category =
    #      per-recipient `Action` ("error" read as "failed"), status = `Status`.
    Rule(_DSN, "failed", ANY, ANY, BY_STATUS,
         "DSN Action: failed: RFC 3463 Status decides (5.x.x hard, 4.x.x e.g. 4.4.7 "
         "expired soft); mailbox full / message-level codes soft"),
    Rule(_DSN, "delayed", ANY, ANY, IGNORED,
         "DSN Action: delayed: the MTA still retries; a 'failed' DSN follows if it gives up"),
    Rule(_DSN, "delivered", ANY, ANY, IGNORED,
         "DSN Action: delivered (NOTIFY=SUCCESS receipt): not a bounce"),
    Rule(_DSN, "relayed", ANY, ANY, IGNORED,
         "DSN Action: relayed to a non-DSN system: no outcome yet"),
    Rule(_DSN, "expanded", ANY, ANY, IGNORED,
         "DSN Action: expanded (alias/list): delivered onwards, not a bounce"),
    #      RFC 5965 ARF: category "feedback", qualifier = Feedback-Type.
    Rule(_DSN, "feedback", "abuse", ANY, COMPLAINT,
         "ARF abuse: the recipient reported the message as spam"),
    Rule(_DSN, "feedback", "fraud", ANY, COMPLAINT,
         "ARF fraud: the recipient reported it as fraud / phishing"),
    Rule(_DSN, "feedback", "virus", ANY, IGNORED,
         "ARF virus: the receiver found malware; about the message, not the recipient's wish"),
    Rule(_DSN, "feedback", "auth-failure", ANY, IGNORED,
         "RFC 6591 auth-failure: SPF/DKIM/DMARC report about the sending domain"),
    Rule(_DSN, "feedback", "not-spam", ANY, IGNORED,
         "RFC 6430 not-spam: the recipient says the message is wanted"),
    Rule(_DSN, "feedback", ANY, ANY, COMPLAINT,
         "ARF other / unknown type (RFC 5965: read unknown types as 'other'): a complaint"),
    #      Non-standard bounces read by flufl.bounce (addresses only); qualifier = its
    #      verdict; the status code, if any, is taken from the bounce text.
    Rule(_DSN, "unstructured", "permanent", ANY, BY_STATUS,
         "flufl.bounce permanent failure: the code in the text decides, else soft"),
    Rule(_DSN, "unstructured", ANY, ANY, IGNORED,
         "flufl.bounce temporary failure (a delay warning): the MTA still retries"),
)
# fmt: on
