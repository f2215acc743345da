"""What every raw bounce message of tests/fixtures/providers/dsn means (sources in its
README): the events it must give, in order, as (kind, email, SMTP code, enhanced code,
sending domain); RAISES: it cannot be applied and must be dead-lettered with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from shared.models import EventKind

H, S, C = EventKind.HARD, EventKind.SOFT, EventKind.COMPLAINT
RAISES = "raises"
DSN_DIR = Path(__file__).parents[1] / "fixtures" / "providers" / "dsn"
NAMES = sorted(p.stem for p in DSN_DIR.glob("*.eml"))


class E(NamedTuple):
    kind: EventKind
    email: str
    smtp: str | None = None
    enhanced: str | None = None
    domain: str | None = None  # the sending domain


EXPECTED: dict[str, list[E] | str] = {
    "rfc3464-d1-simple-failed-4xx": [
        E(S, "louisl@larry.slip.umd.edu", "426", "4.0.0", domain="cs.utk.edu")
    ],
    "rfc3464-d2-multi-recipient": [
        E(H, "arathib@vnet.ibm.com", "550", "5.0.0", domain="cs.utk.edu"),
        E(H, "wsnell@sdcc13.ucsd.edu", "550", "5.0.0", domain="cs.utk.edu"),
    ],
    "rfc3464-d3-gateway-non-internet-address": RAISES,
    "rfc3464-d4-delayed": [],
    "rfc5965-b1-minimal-no-recipient": RAISES,
    "rfc5965-b2-abuse-full": [E(C, "user@example.com", domain="example.net")],
    "rfc6591-auth-failure": [],
    "postfix-user-unknown-5.1.1": [
        E(H, "jane.doe@example.net", "550", "5.1.1", domain="sender.example")
    ],
    "postfix-delayed-warning-4.4.1": [],
    "exim-plaintext-failed-recipients": [
        E(H, "bob@example.org", "550", "5.1.1", domain="sender.example")
    ],
    "qmail-plaintext-permanent": [
        E(H, "carol@example.org", "550", "5.1.1", domain="sender.example")
    ],
    "gmail-address-not-found-5.1.1": [
        E(H, "dan.nobody@gmail.com", "550", "5.1.1", domain="sender.example")
    ],
    "gmail-over-quota-5.2.2": [
        E(S, "erin.full@gmail.com", "552", "5.2.2", domain="sender.example")
    ],
    "exchange-online-recipient-not-found-5.1.10": [
        E(H, "frank.left@contoso.example", "550", "5.1.10", domain="sender.example")
    ],
    "gmail-vacation-autoreply": [],
    "outlook-automatic-reply": [],
    "fbl-abuse-recipient-from-original-to": [E(C, "ivy@example.com", domain="sender.example")],
}
