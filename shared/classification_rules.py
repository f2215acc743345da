"""The classification table: provider category/qualifier/code -> verdict, each row with
its reason. Read by shared.classification; see its docstring for how a row is chosen.
"""

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


# fmt: off
_SES, _MG, _SG, _DSN = Source.SES, Source.MAILGUN, Source.SENDGRID, Source.DSN
HARD, SOFT, COMPLAINT, DELIVERY = Verdict.HARD, Verdict.SOFT, Verdict.COMPLAINT, Verdict.DELIVERY
IGNORED, TRANSIENT, BY_CODE = Verdict.IGNORED, Verdict.TRANSIENT, Verdict.BY_CODE
BY_STATUS = Verdict.BY_STATUS
_RS, _PO, _MS = Source.RESEND, Source.POSTAL, Source.MAILERSEND
_UG, _MT = Source.UNISENDER_GO, Source.MAILTRAP
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

    # ---- Postmark (category = RecordType, lower-case; bounce qualifier = `Type`, lower-case;
    #      SubscriptionChange qualifier = "suppress|reactivate/<SuppressionReason>").
    #      Types: postmarkapp.com/developer/api/bounce-api#bounce-types
    Rule(Source.POSTMARK, "bounce", "hardbounce", ANY, HARD, "Postmark HardBounce"),
    Rule(Source.POSTMARK, "bounce", "bademailaddress", ANY, HARD,
         "Postmark BadEmailAddress: invalid address (as SendGrid dropped 'invalid')"),
    Rule(Source.POSTMARK, "bounce", "softbounce", ANY, TRANSIENT, "Postmark SoftBounce"),
    Rule(Source.POSTMARK, "bounce", "transient", ANY, TRANSIENT,
         "Postmark Transient: delivery delayed or temporarily failed"),
    Rule(Source.POSTMARK, "bounce", "dnserror", ANY, TRANSIENT, "Postmark DnsError: temporary"),
    Rule(Source.POSTMARK, "bounce", "blocked", ANY, TRANSIENT,
         "Postmark Blocked (ISP block, not a dead address): soft, as SendGrid blocked"),
    Rule(Source.POSTMARK, "bounce", "spamnotification", ANY, TRANSIENT,
         "Postmark SpamNotification: a spam filter's block of this message: soft"),
    Rule(Source.POSTMARK, "bounce", "dmarcpolicy", ANY, SOFT,
         "Postmark DMARCPolicy: rejected for the sender's DMARC policy: about the sender"),
    Rule(Source.POSTMARK, "bounce", "spamcomplaint", ANY, COMPLAINT,
         "Postmark SpamComplaint reported as a bounce record"),
    *(Rule(Source.POSTMARK, "bounce", t.lower(), ANY, IGNORED,
           f"Postmark {t}: not a delivery outcome for the address")
      for t in ("AutoResponder", "Unsubscribe", "Subscribe", "AddressChange", "OpenRelayTest",
                "VirusNotification", "ChallengeVerification", "ManuallyDeactivated",
                "Unconfirmed", "SMTPApiError", "InboundError", "TemplateRenderingFailed")),
    Rule(Source.POSTMARK, "bounce", ANY, ANY, BY_CODE,
         "Postmark Unknown (or a type not in its table): the code decides, else soft"),
    Rule(Source.POSTMARK, "spamcomplaint", ANY, ANY, COMPLAINT, "Postmark spam complaint"),
    Rule(Source.POSTMARK, "delivery", ANY, ANY, DELIVERY, "Postmark delivery"),
    Rule(Source.POSTMARK, "subscriptionchange", "suppress/hardbounce", ANY, HARD,
         "Postmark inactive recipient after a hard bounce: one fact, one outcome (§4)"),
    Rule(Source.POSTMARK, "subscriptionchange", "suppress/spamcomplaint", ANY, IGNORED,
         "Postmark suppression after a complaint: ignored, as Mailgun 607"),
    Rule(Source.POSTMARK, "subscriptionchange", ANY, ANY, IGNORED,
         "Postmark manual suppression (unsubscribe) or reactivation: not a bounce"),
    # open, click: no row

    # ---- SparkPost (category = event `type`; out_of_band is read as bounce; bounce
    #      qualifier = `bounce_class`: support.sparkpost.com/docs/deliverability/
    #      bounce-classification-codes; *_rejection qualifier = "suppressed" when the
    #      reason says the address is on the suppression list, else "other")
    Rule(Source.SPARKPOST, "bounce", "1", ANY, TRANSIENT,
         "SparkPost 1 Undetermined: soft unless the code says the address is gone"),
    Rule(Source.SPARKPOST, "bounce", "10", ANY, HARD, "SparkPost 10 Invalid Recipient"),
    Rule(Source.SPARKPOST, "bounce", "20", ANY, TRANSIENT, "SparkPost 20 Soft Bounce"),
    Rule(Source.SPARKPOST, "bounce", "21", ANY, SOFT, "SparkPost 21 DNS Failure"),
    Rule(Source.SPARKPOST, "bounce", "22", ANY, SOFT, "SparkPost 22 Mailbox Full"),
    Rule(Source.SPARKPOST, "bounce", "23", ANY, SOFT, "SparkPost 23 Too Large"),
    Rule(Source.SPARKPOST, "bounce", "24", ANY, SOFT, "SparkPost 24 Timeout"),
    Rule(Source.SPARKPOST, "bounce", "25", ANY, IGNORED,
         "SparkPost 25 Admin Failure: failed by SparkPost's own policies, not the recipient"),
    Rule(Source.SPARKPOST, "bounce", "26", ANY, IGNORED,
         "SparkPost 26 Smart Send Suppression: not sent for low engagement"),
    Rule(Source.SPARKPOST, "bounce", "30", ANY, HARD, "SparkPost 30 Generic Bounce: No RCPT"),
    Rule(Source.SPARKPOST, "bounce", "40", ANY, TRANSIENT, "SparkPost 40 Generic Bounce"),
    Rule(Source.SPARKPOST, "bounce", "50", ANY, TRANSIENT, "SparkPost 50 Mail Block: soft"),
    Rule(Source.SPARKPOST, "bounce", "51", ANY, TRANSIENT, "SparkPost 51 Spam Block: soft"),
    Rule(Source.SPARKPOST, "bounce", "52", ANY, TRANSIENT, "SparkPost 52 Spam Content: soft"),
    Rule(Source.SPARKPOST, "bounce", "53", ANY, TRANSIENT,
         "SparkPost 53 Prohibited Attachment: soft"),
    Rule(Source.SPARKPOST, "bounce", "54", ANY, TRANSIENT, "SparkPost 54 Relaying Denied: soft"),
    Rule(Source.SPARKPOST, "bounce", "60", ANY, IGNORED, "SparkPost 60 Auto-Reply"),
    Rule(Source.SPARKPOST, "bounce", "70", ANY, TRANSIENT, "SparkPost 70 Transient Failure"),
    Rule(Source.SPARKPOST, "bounce", "80", ANY, IGNORED, "SparkPost 80 Subscribe request"),
    Rule(Source.SPARKPOST, "bounce", "90", ANY, IGNORED,
         "SparkPost 90 Unsubscribe request: a list-management reply, not a bounce"),
    Rule(Source.SPARKPOST, "bounce", "100", ANY, IGNORED, "SparkPost 100 Challenge-Response"),
    Rule(Source.SPARKPOST, "bounce", ANY, ANY, BY_CODE,
         "SparkPost bounce of an unknown class: the code decides"),
    Rule(Source.SPARKPOST, "policy_rejection", "suppressed", ANY, HARD,
         "SparkPost refused a suppressed address (previous hard bounce): one fact (§4)"),
    Rule(Source.SPARKPOST, "policy_rejection", ANY, ANY, IGNORED,
         "SparkPost policy rejection (sending limits, blocklisted IP): sender-side"),
    Rule(Source.SPARKPOST, "generation_rejection", "suppressed", ANY, HARD,
         "SparkPost refused a suppressed address (previous hard bounce): one fact (§4)"),
    Rule(Source.SPARKPOST, "generation_rejection", ANY, ANY, IGNORED,
         "SparkPost generation rejection for a sender-side reason"),
    Rule(Source.SPARKPOST, "generation_failure", ANY, ANY, IGNORED,
         "SparkPost template / substitution error: about the message"),
    Rule(Source.SPARKPOST, "delay", ANY, ANY, IGNORED,
         "SparkPost delay: it retries (8 hours); a bounce follows if it gives up"),
    Rule(Source.SPARKPOST, "spam_complaint", "not-spam", ANY, IGNORED,
         "SparkPost FBL not-spam: the recipient says the message is wanted"),
    Rule(Source.SPARKPOST, "spam_complaint", "virus", ANY, IGNORED,
         "SparkPost FBL virus report: about the message (as ARF virus)"),
    Rule(Source.SPARKPOST, "spam_complaint", ANY, ANY, COMPLAINT, "SparkPost spam complaint"),
    Rule(Source.SPARKPOST, "delivery", ANY, ANY, DELIVERY, "SparkPost delivery"),
    # injection, sms_status, track, unsubscribe, relay and AMP events: no row

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
    # open, click, unsub: no row

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
    # request, opened, unique_opened, click, proxy_open, unsubscribed: no row

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
    # send, open, click, unsub, whitelist sync: no row

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

    # ---- issue 10, batch 2: Resend, Postal, MailerSend, Unisender Go, Mailtrap.
    #      Suppression echoes: previously hard-bounced -> HARD; previously complained or
    #      unsubscribed -> IGNORED (as Mailgun 607 / SendGrid "Spam Reporting Address").
    #      Resend: category = `type`; qualifier = "bounce.type/bounce.subType".
    Rule(_RS, "email.bounced", "permanent", ANY, HARD,
         "Resend Permanent (General, NoEmail, Suppressed, OnAccountSuppressionList)"),
    Rule(_RS, "email.bounced", "transient", ANY, TRANSIENT,
         "Resend Transient (MailboxFull, MessageTooLarge, ContentRejected, ...): soft"),
    Rule(_RS, "email.bounced", "undetermined", ANY, BY_CODE,
         "Resend Undetermined: the enhanced status code decides, else soft"),
    Rule(_RS, "email.bounced", ANY, ANY, HARD,
         "Resend bounced without bounce.type (2023 payloads): documented as permanent"),
    Rule(_RS, "email.suppressed", ANY, ANY, HARD,
         "Resend suppressed (OnAccountSuppressionList): as SES, a hard bounce"),
    Rule(_RS, "email.complained", ANY, ANY, COMPLAINT, "Resend spam complaint"),
    Rule(_RS, "email.delivered", ANY, ANY, DELIVERY, "Resend delivery"),
    Rule(_RS, "email.delivery_delayed", ANY, ANY, IGNORED, "Resend still retrying"),
    Rule(_RS, "email.failed", ANY, ANY, IGNORED,
         "Resend failed to send (quota, invalid sender): not about the address"),
    #      Postal: category = `event`; qualifier = payload `status` ("suppressed" when a
    #      MessageHeld's details say the recipient is on the suppression list).
    Rule(_PO, "messagesent", ANY, ANY, DELIVERY, "Postal Sent: the receiving MX accepted it"),
    Rule(_PO, "messagedeliveryfailed", "hardfail", ANY, HARD,
         "Postal HardFail: permanent failure, no more retries"),
    Rule(_PO, "messagedeliveryfailed", ANY, ANY, BY_CODE, "Postal failed, other status"),
    Rule(_PO, "messagebounced", ANY, ANY, HARD,
         "Postal MessageBounced: a bounce message came back for a sent message"),
    Rule(_PO, "messagedelayed", ANY, ANY, IGNORED, "Postal SoftFail: Postal retries"),
    Rule(_PO, "messageheld", "suppressed", ANY, HARD,
         "Postal held: recipient on the suppression list (added after a hard fail)"),
    Rule(_PO, "messageheld", ANY, ANY, IGNORED,
         "Postal held for review (spam check, limits, development mode)"),
    #      MailerSend: category = `type`; no qualifier (bounce text only in morph.reason).
    Rule(_MS, "activity.hard_bounced", ANY, ANY, HARD, "MailerSend hard bounce"),
    Rule(_MS, "activity.soft_bounced", ANY, ANY, TRANSIENT,
         "MailerSend soft bounce (final; retries are activity.deferred): soft"),
    Rule(_MS, "activity.deferred", ANY, ANY, IGNORED, "MailerSend still retrying"),
    Rule(_MS, "activity.spam_complaint", ANY, ANY, COMPLAINT, "MailerSend spam complaint"),
    Rule(_MS, "activity.delivered", ANY, ANY, DELIVERY, "MailerSend delivery"),
    #      Unisender Go: category = `status`; qualifier = delivery_info.delivery_status.
    Rule(_UG, "hard_bounced", ANY, ANY, HARD, "Unisender Go hard_bounced: final failure"),
    Rule(_UG, "hard_bounced", "err_skip_letter", ANY, HARD,
         "Unisender Go skipped: address unavailable after earlier bounces (echo)"),
    Rule(_UG, "hard_bounced", "err_unsubscribed", ANY, IGNORED,
         "Unisender Go: unsubscribe echo, not a bounce"),
    Rule(_UG, "hard_bounced", "err_mailbox_full", ANY, SOFT, "mailbox full: about the message"),
    Rule(_UG, "hard_bounced", "err_too_large", ANY, SOFT, "message too large"),
    Rule(_UG, "hard_bounced", "err_spam_rejected", ANY, SOFT, "content rejected as spam"),
    Rule(_UG, "hard_bounced", "err_ip_blocked", ANY, SOFT, "sending IP blocked"),
    Rule(_UG, "hard_bounced", "err_not_allowed", ANY, IGNORED, "sender-side: sending not allowed"),
    Rule(_UG, "hard_bounced", "err_src_invalid", ANY, IGNORED, "sender-side: bad sender address"),
    Rule(_UG, "hard_bounced", "err_lost", ANY, IGNORED, "Unisender Go lost the message"),
    Rule(_UG, "hard_bounced", "err_internal", ANY, IGNORED, "Unisender Go internal error"),
    Rule(_UG, "soft_bounced", ANY, ANY, IGNORED,
         "Unisender Go retries 24-48 h, then delivered or hard_bounced"),
    Rule(_UG, "spam", ANY, ANY, COMPLAINT, "Unisender Go spam: FBL complaint"),
    Rule(_UG, "delivered", ANY, ANY, DELIVERY, "Unisender Go delivery"),
    #      Mailtrap: category = `event`; qualifier = bounce_category, or for reject
    #      "suppressed/<reason>" from "Recipient in suppression list. Reason: <reason>".
    Rule(_MT, "bounce", "badrecipient", ANY, HARD, "Mailtrap bad recipient: no such address"),
    Rule(_MT, "bounce", "hard", ANY, HARD, "Mailtrap hard bounce (older category)"),
    Rule(_MT, "bounce", "overquota", ANY, SOFT, "mailbox full: as SES MailboxFull, soft"),
    Rule(_MT, "bounce", "spam", ANY, TRANSIENT, "rejected as spam: about the message"),
    Rule(_MT, "bounce", "spam_gmail", ANY, TRANSIENT, "Gmail limits: about the sender"),
    Rule(_MT, "bounce", "content", ANY, TRANSIENT, "content filter: about the message"),
    Rule(_MT, "bounce", "block", ANY, TRANSIENT, "blocked by policy: about the sender"),
    Rule(_MT, "bounce", "serverpolicy", ANY, TRANSIENT, "server policy: about the sender"),
    Rule(_MT, "bounce", "badsender", ANY, TRANSIENT, "bad sender: about the sender"),
    Rule(_MT, "bounce", ANY, ANY, BY_STATUS,
         "Mailtrap bounce (final), other category: the status code decides"),
    Rule(_MT, "soft bounce", ANY, ANY, IGNORED,
         "Mailtrap retries 10 more times; delivery or bounce follows"),
    Rule(_MT, "suspension", ANY, ANY, IGNORED,
         "Mailtrap holds mail of an unverified domain / account limit; retries"),
    Rule(_MT, "reject", "suppressed/hard bounce", ANY, HARD,
         "Mailtrap suppression echo: previously hard-bounced address"),
    Rule(_MT, "reject", "suppressed/bounce", ANY, HARD,
         "Mailtrap suppression echo: previously bounced address"),
    Rule(_MT, "reject", ANY, ANY, IGNORED,
         "Mailtrap reject: unsubscribe / complaint / manual echo, or unverified domain"),
    Rule(_MT, "spam", ANY, ANY, COMPLAINT, "Mailtrap spam complaint"),
    Rule(_MT, "delivery", ANY, ANY, DELIVERY, "Mailtrap delivery"),
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
