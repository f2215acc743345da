"""Classification rows: SparkPost.

Part of the one table, `shared.classification_rules.RULES`.
"""

# ruff: noqa: F405 -- rows written with the vocabulary star-imported from .types
from __future__ import annotations

from typing import Final

from shared.classification_rules.types import *  # noqa: F403 -- the row vocabulary

# fmt: off
ROWS: Final[tuple[Rule, ...]] = (
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
    *not_bounces(
        Source.SPARKPOST,
        "injection", "open", "initial_open", "click", "amp_click", "amp_open", "amp_initial_open",
        "link_unsubscribe", "list_unsubscribe", "relay_delivery", "relay_injection",
        "relay_permfail", "relay_rejection", "relay_tempfail", "sms_status", "ab_test_completed",
        "ab_test_cancelled", "success", "ingest_success", "ingest_error",
    ),
)
# fmt: on
