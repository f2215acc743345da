"""`bounceflow migrate`: idempotent, and safe when two run at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid

import asyncpg

from demo.processes import service_env
from shared.migrate import bundled_migrations
from tests.infra import Servers


async def _migrate_cli(url: str) -> subprocess.CompletedProcess[bytes]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        "migrate",
        env=service_env({"BOUNCEFLOW_DATABASE_URL": url, "BOUNCEFLOW_LOG_LEVEL": "warning"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return subprocess.CompletedProcess([], proc.returncode or 0, out, err)


async def test_two_migrators_at_once_then_again(infra: Servers) -> None:
    name = f"bftest_mig_{uuid.uuid4().hex[:8]}"
    url = infra.postgres_admin_url.rpartition("/")[0] + "/" + name
    admin = await asyncpg.connect(infra.postgres_admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        first, second = await asyncio.gather(_migrate_cli(url), _migrate_cli(url))
        assert (first.returncode, second.returncode) == (0, 0), (first.stderr, second.stderr)
        outputs = sorted([first.stdout.decode(), second.stdout.decode()])
        assert "none (up to date)" in outputs[1]
        again = await _migrate_cli(url)
        assert again.returncode == 0
        assert "none (up to date)" in again.stdout.decode()
        conn = await asyncpg.connect(url)
        try:
            versions = [
                r["version"]
                for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")
            ]
        finally:
            await conn.close()
        assert versions == [m.version for m in bundled_migrations()]
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_bad_setting_is_one_clear_line() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        "migrate",
        env=service_env({"BOUNCEFLOW_SOFT_BOUNCE_THRESHOLD": "many"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, err = await proc.communicate()
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1
    assert "BOUNCEFLOW_SOFT_BOUNCE_THRESHOLD" in lines[0]
