"""Suppressions against a real Postgres: one address, 10,000 at once, import and export."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from services.ingest import state
from shared.settings import Settings
from tests.integration.api_kit import Client, bearer, error_of, make_key, report, start

MAILGUN_EXPORT = (
    "address,code,error,created_at\r\n"
    'ev@mgrules.com,550,,"Wed, 15 Feb 2012 11:16:31 GMT"\r\n'
    'void@guillaumeleveque.info,550,"5.1.1 <void@guillaumeleveque.info>: Recipient address '
    'rejected: User unknown in virtual mailbox table","Sun, 05 Feb 2012 21:36:26 GMT"\r\n'
    "not-an-address,550,,\r\n"
)


@pytest.fixture
async def client(base_settings: Settings, db: asyncpg.Pool) -> AsyncIterator[Client]:
    c = await start(base_settings)
    yield c
    await c.close()


@pytest.fixture
async def auth(db: asyncpg.Pool) -> dict[str, str]:
    return bearer(await make_key(db, "subscribers"))


async def test_one_address(client: Client, auth: dict[str, str]) -> None:
    await report(client, auth, email="hard@example.com", bounce_type="hard")
    await report(client, auth, email="ok@example.com", bounce_type="soft")
    await report(client, auth, email="c@example.com", bounce_type="complaint")
    expected = {
        "Hard@Example.com": (True, "bounced", "hard_bounce"),
        "ok@example.com": (False, "active", None),
        "c@example.com": (True, "unsubscribed", "complaint"),
        "never@example.com": (False, None, None),
    }
    for email, (suppressed, status, reason) in expected.items():
        resp = await client.get(f"/api/v1/suppressions/{email}", headers=auth)
        assert resp.status == 200
        data = (await resp.json())["data"]
        assert data == {
            "email": email.lower(),
            "suppressed": suppressed,
            "status": status,
            "reason": reason,
        }


async def test_check_lists_only_the_suppressed(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    for i in range(3):
        await report(client, auth, email="soft@example.com", bounce_type="soft")
        await report(client, auth, email=f"fine{i}@example.com", bounce_type="soft")
    await report(client, auth, email="gone@example.com", bounce_type="hard")
    # a manual unsubscribe has reason "manual"
    await client.patch(
        "/api/v1/subscribers/fine0@example.com", json={"status": "unsubscribed"}, headers=auth
    )
    emails = [f"u{i}@example.com" for i in range(9_990)] + [
        "SOFT@example.com",
        "gone@example.com",
        "gone@example.com",
        "fine0@example.com",
        "fine1@example.com",
    ]
    resp = await client.post("/api/v1/suppressions/check", json={"emails": emails}, headers=auth)
    assert resp.status == 200, await resp.text()
    data = (await resp.json())["data"]
    assert data["checked"] == 9_994  # distinct addresses
    assert data["suppressed"] == [
        {"email": "fine0@example.com", "status": "unsubscribed", "reason": "manual"},
        {"email": "gone@example.com", "status": "bounced", "reason": "hard_bounce"},
        {"email": "soft@example.com", "status": "bounced", "reason": "soft_bounce_limit"},
    ]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"emails": ["x@example.com"] * 10_001}, 400),
        ({"emails": ["not an address"]}, 400),
        ({"emails": "a@b.c"}, 400),
        ({}, 400),
    ],
)
async def test_bad_checks(client: Client, auth: dict[str, str], body: object, status: int) -> None:
    resp = await client.post("/api/v1/suppressions/check", json=body, headers=auth)
    await error_of(resp, status)


async def test_a_check_body_over_4_mib_is_413(client: Client, auth: dict[str, str]) -> None:
    body = b'{"emails": ["' + b"a" * (4 * 1024 * 1024) + b'@b.c"]}'
    resp = await client.post("/api/v1/suppressions/check", data=io.BytesIO(body), headers=auth)
    assert (await error_of(resp, 413))["code"] == "payload_too_large"


async def test_import_is_idempotent_and_applies_the_policy(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    url = "/api/v1/suppressions/import"
    resp = await client.post(url, data=MAILGUN_EXPORT.encode(), headers=auth)
    assert resp.status == 200, await resp.text()
    data = (await resp.json())["data"]
    assert data == {
        "format": "mailgun",
        "rows": 3,
        "imported": 2,
        "duplicates": 0,
        "skipped": 1,
        "errors": [{"line": 4, "message": "not an email address: 'not-an-address'"}],
    }
    again = await (await client.post(url, data=MAILGUN_EXPORT.encode(), headers=auth)).json()
    assert (again["data"]["imported"], again["data"]["duplicates"]) == (0, 2)
    rows = await db.fetch("SELECT email, status, bounce_count FROM subscribers ORDER BY email")
    assert [tuple(r) for r in rows] == [
        ("ev@mgrules.com", "bounced", 1),
        ("void@guillaumeleveque.info", "bounced", 1),
    ]
    event = await db.fetchrow(
        "SELECT source, occurred_at, smtp_code, diagnostic_code, dedup_key FROM events "
        "WHERE email = 'void@guillaumeleveque.info'"
    )
    assert event is not None
    assert event["source"] == "mailgun"
    assert event["occurred_at"].isoformat() == "2012-02-05T21:36:26+00:00"
    assert event["smtp_code"] == "550"
    assert event["diagnostic_code"].startswith("5.1.1 <void@")
    assert event["dedup_key"] == "import:mailgun:void@guillaumeleveque.info:hard"


async def test_import_with_kind_and_format_and_errors(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    body = b"email,created,reason,status\nspam@example.com,1700000000,,\n"
    resp = await client.post(
        "/api/v1/suppressions/import?kind=complaint&format=sendgrid", data=body, headers=auth
    )
    assert (await resp.json())["data"]["imported"] == 1
    assert await db.fetchval("SELECT status FROM subscribers") == "unsubscribed"
    for bad in (b"", b"name,phone\n", b"email\n\xff\n"):
        resp = await client.post("/api/v1/suppressions/import", data=bad, headers=auth)
        assert (await error_of(resp, 422))["code"] == "invalid_import"
    resp = await client.post("/api/v1/suppressions/import?format=ses", data=body, headers=auth)
    assert "'emailaddress' column" in (await error_of(resp, 422))["message"]
    resp = await client.post("/api/v1/suppressions/import?kind=soft", data=body, headers=auth)
    assert "'kind'" in (await error_of(resp, 400))["message"]


async def test_a_large_import_streams_past_the_body_limit(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    lines = ["EmailAddress,Reason,LastUpdateTime"] + [
        f"user{i}@example.com,{'COMPLAINT' if i % 10 == 0 else 'BOUNCE'},2024-03-01T12:00:00Z"
        for i in range(30_000)
    ]
    body = ("\n".join(lines) + "\n").encode()
    assert len(body) > client.app[state.SETTINGS].max_body_bytes
    resp = await client.post("/api/v1/suppressions/import", data=io.BytesIO(body), headers=auth)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["data"]["imported"] == 30_000
    rows = await db.fetch("SELECT status, count(*) AS n FROM subscribers GROUP BY status")
    counts = {r["status"]: r["n"] for r in rows}
    assert counts == {"bounced": 27_000, "unsubscribed": 3_000}


async def test_export_streams_csv_that_imports_back(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    await report(client, auth, email="h@example.com", bounce_type="hard")
    await report(client, auth, email="c@example.com", bounce_type="complaint")
    await report(client, auth, email="active@example.com", bounce_type="soft")
    resp = await client.get("/api/v1/suppressions/export", headers=auth)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    text = await resp.text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["email"], r["status"], r["reason"]) for r in rows] == [
        ("c@example.com", "unsubscribed", "complaint"),
        ("h@example.com", "bounced", "hard_bounce"),
    ]
    assert all(r["suppressed_at"].endswith("Z") for r in rows)
    # into an empty database, and the same addresses are suppressed for the same reasons
    await db.execute("TRUNCATE events, subscribers, outbox CASCADE")
    resp = await client.post("/api/v1/suppressions/import", data=text.encode(), headers=auth)
    assert (await resp.json())["data"]["format"] == "bounceflow"
    again = await (await client.get("/api/v1/suppressions/export", headers=auth)).text()
    assert [(r["email"], r["status"], r["reason"]) for r in csv.DictReader(io.StringIO(again))] == [
        (r["email"], r["status"], r["reason"]) for r in rows
    ]


async def test_cli_import(base_settings: Settings, db: asyncpg.Pool, tmp_path: Path) -> None:
    path = tmp_path / "bounces.csv"
    path.write_text(MAILGUN_EXPORT)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BOUNCEFLOW_")},
        "BOUNCEFLOW_DATABASE_URL": base_settings.database_url,
    }

    async def run(*args: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.cli",
            "import",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()

    code, out, err = await run(str(path))
    assert code == 0, err
    assert "mailgun export: 3 rows, 2 imported, 0 already present, 1 skipped" in out
    assert "skipped line 4" in err
    code, out, _ = await run(str(path))
    assert "0 imported, 2 already present" in out
    assert await db.fetchval("SELECT count(*) FROM events") == 2
    path.write_text("who,what\n")
    code, _, err = await run(str(path))
    assert code == 2
    assert "unrecognised header" in err


async def test_export_escapes_formula_cells_and_imports_them_back(
    client: Client, db: asyncpg.Pool, auth: dict[str, str]
) -> None:
    addresses = ["=1+2@example.com", "+x@example.com", "-x@example.com", "@x@example.com"]
    for email in addresses[:3]:  # "@x@..." is not an address; a cell can still start with @
        await report(client, auth, email=email, bounce_type="hard")
    text = await (await client.get("/api/v1/suppressions/export", headers=auth)).text()
    cells = [r["email"] for r in csv.DictReader(io.StringIO(text))]
    assert sorted(cells) == sorted("'" + e for e in addresses[:3])
    await db.execute("TRUNCATE events, subscribers, outbox CASCADE")
    resp = await client.post("/api/v1/suppressions/import", data=text.encode(), headers=auth)
    assert (await resp.json())["data"]["imported"] == 3
    emails = {r["email"] for r in await db.fetch("SELECT email FROM subscribers")}
    assert emails == set(addresses[:3])
