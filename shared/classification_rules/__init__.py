"""The classification table: provider category/qualifier/code -> verdict, each row with
its reason and source. Read by shared.classification; see its docstring for how a row
is chosen. One table, kept as one module of rows per provider so that adding a
provider adds a module here (and its name to RULES below).
"""

from __future__ import annotations

from typing import Final

from shared.classification_rules import (
    brevo,
    dsn,
    mailersend,
    mailgun,
    mailjet,
    mailtrap,
    mandrill,
    postal,
    postmark,
    resend,
    sendgrid,
    ses,
    sparkpost,
    unisender_go,
)
from shared.classification_rules.types import (
    _SES,
    ADDRESS_GONE,
    ANY,
    IGNORED,
    MESSAGE_LEVEL_DETAIL,
    MESSAGE_LEVEL_SUBJECT,
    Rule,
    Verdict,
)

__all__ = [
    "ADDRESS_GONE",
    "ANY",
    "IGNORED",
    "MESSAGE_LEVEL_DETAIL",
    "MESSAGE_LEVEL_SUBJECT",
    "RULES",
    "_SES",
    "Rule",
    "Verdict",
]

RULES: Final[tuple[Rule, ...]] = (
    *ses.ROWS,
    *mailgun.ROWS,
    *sendgrid.ROWS,
    *postmark.ROWS,
    *sparkpost.ROWS,
    *mailjet.ROWS,
    *brevo.ROWS,
    *mandrill.ROWS,
    *dsn.ROWS,
    *resend.ROWS,
    *postal.ROWS,
    *mailersend.ROWS,
    *unisender_go.ROWS,
    *mailtrap.ROWS,
)
