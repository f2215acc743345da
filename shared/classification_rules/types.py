"""The table's vocabulary: a row (`Rule`) and what it decides (`Verdict`), plus the RFC
3463 code sets the code-reading verdicts use."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from shared.models import Source

ANY: Final = "*"


class Verdict(StrEnum):
    """What a table row decides; the last three look at the codes and the text."""

    HARD = "hard"
    SOFT = "soft"
    COMPLAINT = "complaint"
    DELIVERY = "delivery"
    IGNORED = "ignored"
    # soft; hard when the code says the address does not exist (ADDRESS_GONE);
    # ignored when the diagnostic is an out-of-office / auto-reply
    TRANSIENT = "transient"
    # as TRANSIENT, and also ignored when there is no DSN at all (no status, no
    # diagnostic): that is how SES reports an auto-reply (mailbox simulator
    # ooto@simulator.amazonses.com gives Transient/General with no DSN)
    TRANSIENT_OR_AUTOREPLY = "transient-or-autoreply"
    # RFC 3463 class of the enhanced code (5 -> hard, 4 -> soft), else the RFC 5321
    # class of the SMTP reply code (5xx -> hard, 4xx -> soft), else soft
    BY_CODE = "by-code"
    # BY_CODE for raw DSNs, where the status code is the only signal: hard when it says
    # the address is gone (ADDRESS_GONE); soft when it is about this message, not the
    # address (MESSAGE_LEVEL: mailbox full, size, content, policy); else BY_CODE
    BY_STATUS = "by-status"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table: (source, category, qualifier, code) -> verdict, and why."""

    source: Source
    category: str
    qualifier: str
    code: str
    verdict: Verdict
    why: str


# RFC 3463 detail codes that say the address (mailbox or domain) does not exist:
# 5.1.1 bad destination mailbox, 5.1.2 bad destination system (no such domain),
# 5.1.10 null MX (RFC 7505), 5.4.4 unable to route. Hard even under a "transient" label.
ADDRESS_GONE: Final = frozenset({"5.1.1", "5.1.2", "5.1.10", "5.4.4"})
# RFC 3463 codes about the message or the sender, not the address (BY_STATUS -> soft):
# X.2.2 mailbox full ("should be used as a persistent transient failure"), X.2.3 / X.3.4
# message too long / too big, X.6.* media / content, X.7.* security / policy (spam blocks,
# DMARC rejections). A repeated soft bounce still turns the address bounced (threshold).
MESSAGE_LEVEL_DETAIL: Final = frozenset({"2.2", "2.3", "3.4"})
MESSAGE_LEVEL_SUBJECT: Final = frozenset({"6", "7"})

# Short names for the rows (the tables are formatted by hand).
_SES, _MG, _SG, _DSN = Source.SES, Source.MAILGUN, Source.SENDGRID, Source.DSN
HARD, SOFT, COMPLAINT, DELIVERY = Verdict.HARD, Verdict.SOFT, Verdict.COMPLAINT, Verdict.DELIVERY
IGNORED, TRANSIENT, BY_CODE = Verdict.IGNORED, Verdict.TRANSIENT, Verdict.BY_CODE
BY_STATUS = Verdict.BY_STATUS
_RS, _PO, _MS = Source.RESEND, Source.POSTAL, Source.MAILERSEND
_UG, _MT = Source.UNISENDER_GO, Source.MAILTRAP
TRANSIENT_OR_AUTOREPLY = Verdict.TRANSIENT_OR_AUTOREPLY


def not_bounces(source: Source, *categories: str) -> tuple[Rule, ...]:
    """IGNORED rows for a provider's documented event types that are not outcomes of a
    delivery attempt (sends, opens, clicks, unsubscribes, account notices): known, so
    never counted as unrecognised."""
    why = "documented engagement / lifecycle event: not a bounce, complaint or delivery"
    return tuple(Rule(source, c, ANY, ANY, Verdict.IGNORED, why) for c in categories)


__all__ = [
    "ADDRESS_GONE",
    "ANY",
    "BY_CODE",
    "BY_STATUS",
    "COMPLAINT",
    "DELIVERY",
    "HARD",
    "IGNORED",
    "MESSAGE_LEVEL_DETAIL",
    "MESSAGE_LEVEL_SUBJECT",
    "SOFT",
    "TRANSIENT",
    "TRANSIENT_OR_AUTOREPLY",
    "_DSN",
    "_MG",
    "_MS",
    "_MT",
    "_PO",
    "_RS",
    "_SES",
    "_SG",
    "_UG",
    "Rule",
    "Source",
    "Verdict",
    "not_bounces",
]
