"""schemathesis over every route of /api/v1/openapi.json, with an admin key: no failures.

Runs the `st` command line (as the README does) against the app served on a
local port by this test's event loop: every check (no 5xx, status codes,
content types, response schemas and headers, valid data accepted, invalid data
refused, auth enforced), bounded examples, one worker and a fixed seed so a run
is repeatable. The /v2 alias is skipped (its handlers are /v3's; test_mailgun_compat
covers both prefixes). Settings: tests/integration/api/schemathesis.toml.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from services.ingest.app import build_app
from shared.settings import Settings
from tests.integration.api_kit import make_key

CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")
MAX_EXAMPLES = 50  # per operation and phase: about half a minute for the whole API
SEED = 20260110


@pytest.mark.timeout(240)
async def test_schemathesis_finds_no_failures(
    base_settings: Settings, db: asyncpg.Pool, tmp_path: Path
) -> None:
    server = TestServer(build_app(base_settings), host="127.0.0.1")
    await server.start_server()
    try:
        key = await make_key(db, "admin")
        proc = await asyncio.create_subprocess_exec(
            str(ST),
            "--config-file",
            str(CONFIG),
            "run",
            str(server.make_url("/api/v1/openapi.json")),
            "--header",
            f"Authorization: Bearer {key}",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            # /v2 is marked deprecated: an alias of /v3 (same handlers), which a stateful
            # run would otherwise take for a second resource
            "--exclude-deprecated",
            "--workers",
            "1",
            "--seed",
            str(SEED),
            "--report-dir",
            str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
        )
        output, _ = await asyncio.wait_for(proc.communicate(), timeout=220)
    finally:
        await server.close()
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text[-20_000:]
    assert "Failures:" not in text, text[-20_000:]
    assert re.search(r"\d+ generated, \d+ passed", text), text[-5_000:]
