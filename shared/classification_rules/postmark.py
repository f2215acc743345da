"""Classification rows: Postmark.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
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
    *not_bounces(Source.POSTMARK, "open", "click", "inbound"),
)
# fmt: on
