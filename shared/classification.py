"""Bounce classification: provider fields -> canonical kind, as one auditable table.

Pure and table-driven. A parser names the provider's *category* (SES
`eventType`/`notificationType`, Mailgun `event`, SendGrid `event`, a DSN's `Action`),
a *qualifier* (SES `bounceType/bounceSubType`, Mailgun `severity/reason` or legacy
`reason`, SendGrid bounce `type` or dropped `reason`, an ARF `Feedback-Type`) and the
provider's code; `RULES` below maps them to a verdict. The provider's own category
decides first; RFC 3463 enhanced status codes (5.x.x permanent, 4.x.x transient)
decide where the provider leaves it open (verdict BY_CODE; BY_STATUS for raw DSNs),
and promote a provider "transient" to hard when the code says the address does not
exist (5.1.1, 5.1.2, 5.1.10, 5.4.4).

Lookup: the most specific row wins. Rows naming a code beat rows that do not;
then the full qualifier beats its part before "/" (SES "transient/general" ->
"transient"), which beats "*". A category with no row at all is IGNORED.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from shared.models import EventKind, Source

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


# fmt: off
_SES, _MG, _SG, _DSN = Source.SES, Source.MAILGUN, Source.SENDGRID, Source.DSN
HARD, SOFT, COMPLAINT, DELIVERY = Verdict.HARD, Verdict.SOFT, Verdict.COMPLAINT, Verdict.DELIVERY
IGNORED, TRANSIENT, BY_CODE = Verdict.IGNORED, Verdict.TRANSIENT, Verdict.BY_CODE
BY_STATUS = Verdict.BY_STATUS
TRANSIENT_OR_AUTOREPLY = Verdict.TRANSIENT_OR_AUTOREPLY

RULES: Final[tuple[Rule, ...]] = (
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

    # ---- Mailgun (category = event; qualifier = "severity/reason" (JSON webhooks)
    #      or reason (legacy "dropped"); code = delivery-status.code / legacy code)
    Rule(_MG, "failed", ANY, "605", IGNORED,
         "Mailgun suppression echo: previously bounced address, not a new bounce"),
    Rule(_MG, "failed", ANY, "606", IGNORED,
         "Mailgun suppression echo: previously unsubscribed address"),
    Rule(_MG, "failed", ANY, "607", IGNORED,
         "Mailgun suppression echo: previously complained address"),
    Rule(_MG, "failed", "permanent/suppress-bounce", ANY, IGNORED,
         "Mailgun suppression echo (by reason, whatever the code)"),
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
    Rule(_MG, "dropped", ANY, "605", IGNORED, "legacy suppression echo: previously bounced"),
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
    # accepted, rejected (no recipient), opened, clicked, unsubscribed, stored: no row

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
    # processed, open, click, unsubscribe, group_unsubscribe, group_resubscribe: no row

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

_NO_RULE: Final = Rule(_SES, "", ANY, ANY, IGNORED, "no row: not an event that matters")
_INDEX: Final[dict[tuple[Source, str, str, str], Rule]] = {
    (r.source, r.category, r.qualifier, r.code): r for r in RULES
}
if len(_INDEX) != len(RULES):  # pragma: no cover - a table edit error, caught at import
    raise RuntimeError("shared.classification.RULES has duplicate rows")

_FIXED: Final[dict[Verdict, EventKind]] = {
    Verdict.HARD: EventKind.HARD,
    Verdict.SOFT: EventKind.SOFT,
    Verdict.COMPLAINT: EventKind.COMPLAINT,
    Verdict.DELIVERY: EventKind.DELIVERY,
    Verdict.IGNORED: EventKind.IGNORED,
}
_CLASS_KIND: Final = {"5": EventKind.HARD, "4": EventKind.SOFT}

# An RFC 3463 status code; not part of a longer dotted number (an IP address, a version).
ENHANCED_CODE_RE: Final = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\d|\.\d)")
_ENHANCED_FULL: Final = re.compile(r"\s*([245])\.(\d{1,3})\.(\d{1,3})\s*")
# An SMTP reply code at the start of the text, after an optional DSN diagnostic type
# ("smtp; 550 ...", "smtp;550-5.1.1 ...", "550 ..."), ...
_SMTP_LEADING: Final = re.compile(r"\s*(?:[A-Za-z][\w.-]*;\s*)?([2-5]\d\d)(?![\d.])")
# ... or anywhere when an enhanced code follows it ("... said: 550 5.1.1 ...").
_SMTP_PAIRED: Final = re.compile(r"(?<![\d.])([2-5]\d\d)[ -]+[245]\.\d{1,3}\.\d{1,3}")
_CODE_FULL: Final = re.compile(r"\s*(\d{3})\s*")
_AUTOREPLY: Final = re.compile(
    r"out[- ]of[- ](?:the[- ])?office|auto[- ]?reply|automatic reply|auto[- ]?responder"
    r"|vacation (?:message|reply|notice)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Classification:
    """The canonical reading of one provider event about one recipient."""

    kind: EventKind
    subtype: str | None
    smtp_code: str | None
    enhanced_code: str | None
    diagnostic: str | None
    why: str


def extract_enhanced_code(text: str | None) -> str | None:
    """The first RFC 3463 enhanced status code in `text` ("5.1.1"), or None."""
    if not text:
        return None
    m = ENHANCED_CODE_RE.search(text)
    return f"{m[1]}.{m[2]}.{m[3]}" if m else None


def extract_smtp_code(text: str | None) -> str | None:
    """The 3-digit SMTP reply code of a diagnostic such as "smtp; 550 5.1.1 <a@b>... User"."""
    if not text:
        return None
    m = _SMTP_LEADING.match(text) or _SMTP_PAIRED.search(text)
    return m[1] if m else None


def lookup(source: Source, category: str, qualifier: str = "", code: str = "") -> Rule:
    """The table row for these provider fields (lower-case category and qualifier)."""
    head = qualifier.split("/", 1)[0]
    for c in (code, ANY) if code else (ANY,):
        for q in (qualifier, head, ANY):
            rule = _INDEX.get((source, category, q, c))
            if rule is not None:
                return rule
    return _NO_RULE


def _codes(
    code: str | int | None, status: str | None, diagnostic: str | None
) -> tuple[str | None, str | None]:
    smtp: str | None = None
    enhanced: str | None = None
    if status and (m := _ENHANCED_FULL.fullmatch(status)):
        enhanced = f"{m[1]}.{m[2]}.{m[3]}"
    if code is not None and not isinstance(code, bool):
        text = str(code)
        if m := _CODE_FULL.fullmatch(text):
            smtp = m[1]
        elif enhanced is None and (m := _ENHANCED_FULL.fullmatch(text)):
            enhanced = f"{m[1]}.{m[2]}.{m[3]}"  # Mailgun legacy `code` may be "5.1.1"
    if diagnostic:
        if enhanced is None:
            enhanced = extract_enhanced_code(diagnostic)
        if smtp is None:
            smtp = extract_smtp_code(diagnostic)
    return smtp, enhanced


def _by_code(enhanced: str | None, smtp: str | None) -> EventKind:
    if enhanced:
        return _CLASS_KIND.get(enhanced[0], EventKind.SOFT)
    if smtp:
        return _CLASS_KIND.get(smtp[0], EventKind.SOFT)
    return EventKind.SOFT


def _by_status(enhanced: str | None, smtp: str | None) -> EventKind:
    if enhanced in ADDRESS_GONE:
        return EventKind.HARD
    if enhanced:
        _, subject, detail = enhanced.split(".")
        if subject in MESSAGE_LEVEL_SUBJECT or f"{subject}.{detail}" in MESSAGE_LEVEL_DETAIL:
            return EventKind.SOFT
    return _by_code(enhanced, smtp)


def _resolve(
    verdict: Verdict, enhanced: str | None, smtp: str | None, diagnostic: str | None
) -> EventKind:
    fixed = _FIXED.get(verdict)
    if fixed is not None:
        return fixed
    if verdict is Verdict.BY_CODE:
        return _by_code(enhanced, smtp)
    if verdict is Verdict.BY_STATUS:
        return _by_status(enhanced, smtp)
    # TRANSIENT / TRANSIENT_OR_AUTOREPLY
    if diagnostic and _AUTOREPLY.search(diagnostic):
        return EventKind.IGNORED
    if verdict is Verdict.TRANSIENT_OR_AUTOREPLY and enhanced is None and not diagnostic:
        return EventKind.IGNORED
    if enhanced in ADDRESS_GONE:
        return EventKind.HARD
    return EventKind.SOFT


def classify(
    source: Source,
    category: str,
    qualifier: str = "",
    *,
    code: str | int | None = None,
    status: str | None = None,
    diagnostic: str | None = None,
    subtype: str | None = None,
) -> Classification:
    """Classify one provider event.

    `category` and `qualifier` are the provider's fields, lower-case (see RULES);
    `code` the provider's numeric code (SMTP reply or Mailgun-internal; a legacy
    Mailgun "5.1.1" is read as an enhanced code), `status` an explicit RFC 3463
    code field, `diagnostic` the server's text, from which missing codes are taken.
    """
    diag = (diagnostic.strip() or None) if diagnostic else None
    smtp, enhanced = _codes(code, status, diag)
    rule = lookup(source, category, qualifier, smtp or "")
    kind = _resolve(rule.verdict, enhanced, smtp, diag)
    return Classification(kind, subtype or None, smtp, enhanced, diag, rule.why)
