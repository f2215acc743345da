"""Parse + verify + classify throughput per provider, on one core.

For each provider, a mix of its real payloads (every fixture in
tests/fixtures/providers/<provider> that parses) is verified the way ingest does
it, then parsed (classification happens inside parse):

- ses: SNS signature (RSA, SignatureVersion 1 and 2) with a locally generated
  certificate, or basic auth for raw message delivery;
- mailgun: HMAC-SHA256 over timestamp + token (re-signed with a bench key);
- sendgrid: ECDSA P-256 over timestamp header + body (a generated key);
- dsn: API-key hash comparison and the ingest's report check;
- postmark, sparkpost, mailjet, brevo: basic auth (they do not sign);
- mandrill, resend, postal, mailersend, unisender_go, mailtrap: their signatures,
  made with demo/signing.py and checked by the provider module's `authenticate`
  (bench/parse_providers.py).

Single process, time.perf_counter, `--seconds` per provider (default 3).

    .venv/bin/python bench/parse.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import hmac
import itertools
import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.parse_providers import SIGNED, UNSIGNED, Case
from bench.parse_providers import cases as provider_cases
from services.ingest.providers.checks import check_basic
from services.ingest.providers.dsn import report_problem
from services.ingest.providers.mailgun import mailgun_signature_fields, verify_mailgun
from services.ingest.providers.sendgrid import verify_sendgrid
from services.ingest.providers.sns import signing_key, verify_signature
from services.processor.parsers import ParseError, parse
from shared.apikeys import generate_key, hash_key, parse_authorization
from shared.raw import RawEvent
from tests.provider_fixtures import FIXTURES, RECEIVED_AT, fixture_names, load_fixture
from tests.sns_signer import SnsSigner

TOLERANCE = 900.0
MAILGUN_KEY = "bench-signing-key"
BASIC = ("provider", "s3cret-s3cret-s3cret")
BASIC_HEADER = "Basic " + base64.b64encode(b"provider:s3cret-s3cret-s3cret").decode()
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-bench.pem"
SNS_DEFAULTS = {
    "TopicArn": "arn:aws:sns:us-east-1:123456789012:bench",
    "Timestamp": "2024-01-02T03:04:05.000Z",
    "MessageId": "00000000-0000-0000-0000-000000000000",
}


def _raw(provider: str, body: bytes, headers: dict[str, str]) -> RawEvent:
    return RawEvent(f"bench-{uuid.uuid4().hex}", provider, body, RECEIVED_AT, headers)


def ses_cases() -> list[Case]:
    signer = SnsSigner()
    key = signing_key(signer.cert_pem)  # the ingest caches the parsed key per certificate URL
    cases = []
    for i, name in enumerate(fixture_names("ses")):
        raw, doc = load_fixture("ses", name)
        body = doc["body"]
        if isinstance(body, dict) and "Type" in body:  # an SNS envelope: sign it
            body = {**SNS_DEFAULTS, **body}  # a few anymail envelopes lack signed fields
            signed = signer.sign(body, CERT_URL, version="1" if i % 2 else "2")
            data = json.dumps(signed).encode()

            def verify(m: dict[str, object] = signed) -> bool:
                return verify_signature(m, key).ok

            cases.append(Case(verify, _raw("ses", data, dict(raw.headers))))
        else:  # raw message delivery: basic auth

            def basic() -> bool:
                return check_basic(BASIC_HEADER, BASIC)

            cases.append(Case(basic, raw))
    return cases


def mailgun_cases() -> list[Case]:
    cases = []
    for name in fixture_names("mailgun"):
        raw, doc = load_fixture("mailgun", name)
        ts, token = str(int(time.time())), uuid.uuid4().hex
        sig = hmac.new(MAILGUN_KEY.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
        if isinstance(doc["body"], str):  # legacy form: the signature fields come last
            pairs = [(k, v) for k, v in parse_qsl(doc["body"], keep_blank_values=True)]
            data = urlencode([*pairs, ("timestamp", ts), ("token", token), ("signature", sig)])
            body = data.encode()
        else:
            body = json.dumps(
                {**doc["body"], "signature": {"timestamp": ts, "token": token, "signature": sig}}
            ).encode()
        ctype = raw.headers["content-type"]

        def verify(b: bytes = body, c: str = ctype) -> bool:
            fields = mailgun_signature_fields(c, b)
            return verify_mailgun(fields, MAILGUN_KEY, time.time(), TOLERANCE).ok

        cases.append(Case(verify, _raw("mailgun", body, dict(raw.headers))))
    return cases


def sendgrid_cases() -> list[Case]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    cases = []
    for name in fixture_names("sendgrid"):
        raw, _ = load_fixture("sendgrid", name)
        ts = str(int(time.time()))
        signature = base64.b64encode(key.sign(ts.encode() + raw.body, ec.ECDSA(hashes.SHA256())))
        headers = {
            "X-Twilio-Email-Event-Webhook-Signature": signature.decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": ts,
        }

        def verify(h: dict[str, str] = headers, b: bytes = raw.body) -> bool:
            return verify_sendgrid(public, h, b, time.time(), TOLERANCE).ok

        cases.append(Case(verify, raw))
    return cases


def dsn_cases() -> list[Case]:
    api_key = generate_key()
    stored = hash_key(api_key)
    header = f"Bearer {api_key}"
    cases = []
    for path in sorted((FIXTURES / "dsn").glob("*.eml")):
        body = path.read_bytes()

        def verify(b: bytes = body) -> bool:
            key = parse_authorization(header)
            ok = key is not None and hmac.compare_digest(hash_key(key), stored)
            return ok and report_problem(b) is None

        raw = _raw("dsn", body, {"content-type": "message/rfc822"})
        cases.append(Case(verify, raw))
    return cases


def readable(cases: list[Case]) -> list[Case]:
    """The cases that verify and parse (payloads meant to be dead-lettered are left out)."""
    out = []
    for case in cases:
        assert case.verify(), case.raw.event_id
        try:
            parse(case.raw)
        except ParseError:
            continue
        out.append(case)
    return out


def run(cases: list[Case], seconds: float, step: Callable[[Case], int]) -> tuple[int, int, float]:
    payloads = events = 0
    start = time.perf_counter()
    deadline = start + seconds
    for case in itertools.cycle(cases):
        events += step(case)
        payloads += 1
        if payloads % 64 == 0 and time.perf_counter() >= deadline:
            break
    return payloads, events, time.perf_counter() - start


def full(case: Case) -> int:
    if not case.verify():
        raise AssertionError("verification failed")
    return len(parse(case.raw))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="per provider and measure")
    args = ap.parse_args()
    builders: dict[str, Callable[[], list[Case]]] = {
        "ses": ses_cases, "mailgun": mailgun_cases, "sendgrid": sendgrid_cases,
    }  # fmt: skip
    for name in (*UNSIGNED, *SIGNED):
        builders[name] = functools.partial(provider_cases, name)
    builders["dsn"] = dsn_cases
    print(f"{'provider':<12} {'mix':>4} {'payloads/s':>11} {'events/s':>10} "
          f"{'verify/s':>10} {'parse/s':>10}")  # fmt: skip
    for provider, build in builders.items():
        cases = readable(build())
        n, events, elapsed = run(cases, args.seconds, full)
        v, _, v_elapsed = run(cases, args.seconds / 3, lambda c: int(c.verify()))
        p, _, p_elapsed = run(cases, args.seconds / 3, lambda c: len(parse(c.raw)))
        print(
            f"{provider:<12} {len(cases):>4} {n / elapsed:>11,.0f} {events / elapsed:>10,.0f} "
            f"{v / v_elapsed:>10,.0f} {p / p_elapsed:>10,.0f}"
        )
    print("\nmix: fixture payloads that verify and parse; events/s counts canonical events out")
    print("(engagement / delay / control payloads give none); verify/s and parse/s alone.")


if __name__ == "__main__":
    main()
