"""`make demo`: migrate, start the three services as processes, replay provider samples,
and show each address's final status and every signed `email.bounced` received.

Exits 0 only when every expected status and webhook arrived; always stops what it started.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path

import aiohttp

from demo.keys import DemoKeys
from demo.processes import (
    SERVICES,
    Service,
    drop_database,
    free_port,
    run_cli,
    service_env,
    wait_ready,
)
from demo.receiver import Receiver
from demo.scenario import EXPECTED_BOUNCED_WEBHOOKS, EXPECTED_STATUS, requests
from demo.signing import BASIC
from shared.broker import delete_topology

DATABASE = "postgresql://postgres@127.0.0.1:5432/bounceflow_demo"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
LOGS = Path(".demo")
TIMEOUT = 60.0  # seconds for everything to arrive


async def _statuses(http: aiohttp.ClientSession, base: str, key: str) -> dict[str, str]:
    found = {}
    for email in EXPECTED_STATUS:
        async with http.get(
            f"{base}/api/v1/subscribers/{email}", headers={"Authorization": f"Bearer {key}"}
        ) as r:
            found[email] = (
                (await r.json())["data"]["status"] if r.status == 200 else f"HTTP {r.status}"
            )
    return found


async def _run(env: dict[str, str], base: str, keys: DemoKeys) -> bool:
    receiver, refused = Receiver(), 0
    await receiver.start()
    async with aiohttp.ClientSession() as http:
        try:
            await wait_ready(base)
            key = (
                run_cli(env, "apikey", "create", "--name", "demo", "--scopes", "admin")
                .strip()
                .splitlines()[-1]
            )
            async with http.post(
                f"{base}/api/v1/webhook-endpoints",
                json={"url": receiver.url, "events": ["email.bounced"]},
                headers={"Authorization": f"Bearer {key}"},
            ) as resp:
                secret = (await resp.json())["data"]["secret"]
            print(f"\nreplaying provider samples to {base} (status, provider, authentication)")
            for req in requests(keys, base):
                url = f"{base}/api/v1/webhooks/{req.provider}"
                async with http.post(url, data=req.body, headers=req.headers) as r:
                    print(f"  {r.status}  {req.provider:12} {req.auth:6} {req.label}")
                    refused += r.status != 200
            deadline = time.monotonic() + TIMEOUT
            statuses: dict[str, str] = {}
            while time.monotonic() < deadline:
                statuses = await _statuses(http, base, key)
                if (
                    statuses == EXPECTED_STATUS
                    and len(receiver.received) >= EXPECTED_BOUNCED_WEBHOOKS
                ):
                    break
                await asyncio.sleep(0.25)
        finally:
            await receiver.stop()
    if refused:
        print(f"\n{refused} request(s) not answered 200")
    return _report(statuses, receiver, secret) and not refused


def _report(statuses: dict[str, str], receiver: Receiver, secret: str) -> bool:
    ok = True
    print(f"\n{'address':32} {'status':14} expected")
    for email, want in EXPECTED_STATUS.items():
        got = statuses.get(email, "?")
        mark = "ok" if got == want else "MISMATCH"
        ok &= got == want
        print(f"{email:32} {got:14} {want:14} {mark}")
    print(
        f"\nemail.bounced webhooks received: {len(receiver.received)}"
        f" (expected {EXPECTED_BOUNCED_WEBHOOKS})"
    )
    print(f"{'to':32} {'type':5} {'code':5} {'source':12} {'status':12} signature")
    for item in receiver.received:
        try:
            payload = item.verify(secret)
            verified = "verified"
        except Exception as exc:  # the demo reports, it does not stop at one bad signature
            payload, verified, ok = item.json, f"INVALID ({exc})", False
        print(
            f"{payload['to']:32} {payload['bounce_type']:5} {payload['bounce_code'] or '-':5} "
            f"{payload['source']:12} {payload['subscriber_status']:12} {verified}"
        )
    ok &= len(receiver.received) == EXPECTED_BOUNCED_WEBHOOKS
    print(
        "\ndemo: "
        + ("everything arrived" if ok else "FAILED: something did not arrive as expected")
    )
    return ok


def main() -> int:
    asyncio.run(drop_database(DATABASE))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    keys = DemoKeys()  # fresh secrets and a fresh Postal RSA key pair, as a provider gives them
    prefix = f"bounceflow-demo-{uuid.uuid4().hex[:6]}"
    env = service_env(
        {
            "BOUNCEFLOW_DATABASE_URL": DATABASE,
            "BOUNCEFLOW_AMQP_PREFIX": prefix,
            "BOUNCEFLOW_HTTP_PORT": str(port),
            "BOUNCEFLOW_WEBHOOK_BASIC_AUTH": ":".join(BASIC),
            **keys.settings(public_url=base),  # the signing keys, and the URL Mandrill signs
            "BOUNCEFLOW_ALLOW_PRIVATE_ENDPOINTS": "true",  # the receiver is on loopback
            "BOUNCEFLOW_NOTIFIER_POLL_INTERVAL": "0.2",
            # the samples are the providers' documentation examples, years old: keep them
            "BOUNCEFLOW_RETENTION_DAYS": "36500",
            "BOUNCEFLOW_LOG_FORMAT": "json",
        }
    )
    print(run_cli(env, "migrate").strip())
    LOGS.mkdir(exist_ok=True)
    services = [Service(name, env, LOGS / f"{name}.log") for name in SERVICES]
    for service in services:
        service.start()
        print(f"started bounceflow {service.name} (pid {service.pid}), log {service.log_path}")
    try:
        ok = asyncio.run(_run(env, base, keys))
    finally:
        codes = {s.name: s.stop() for s in services}
        print("stopped: " + ", ".join(f"{n} (exit {c})" for n, c in codes.items()))
        asyncio.run(delete_topology(AMQP_URL, prefix))
    return 0 if ok and all(c == 0 for c in codes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
