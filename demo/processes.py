"""Starting bounceflow services as separate OS processes, and stopping them."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiohttp
import asyncpg

SERVICES = ("ingest", "processor", "notifier")


def basic_auth(user: str, password: str) -> str:
    """An `Authorization: Basic` header value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(overrides: Mapping[str, str]) -> dict[str, str]:
    """The parent environment without BOUNCEFLOW_* leaks, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOUNCEFLOW_")}
    env.update(overrides)
    return env


@dataclass
class Service:
    """One running `bounceflow <name>` process, its output going to a log file."""

    name: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self._close_log()
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", self.name],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._close_log()

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, then wait; returns the exit code (SIGKILL after `timeout`)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._close_log()
        return self.proc.returncode

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


def run_cli(env: Mapping[str, str], *args: str) -> str:
    """Run `bounceflow ARGS` to completion; returns stdout, raises on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=dict(env),
        capture_output=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bounceflow {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
    return done.stdout.decode()


async def wait_ready(base_url: str, timeout: float = 30.0) -> None:
    """Wait until the ingest answers 200 on /readyz (database and broker reachable)."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(base_url + "/readyz") as resp:
                    if resp.status == 200:
                        return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{base_url} not ready after {timeout}s")
            await asyncio.sleep(0.1)


async def drop_database(url: str) -> None:
    """Drop the database named in `url`, so that `bounceflow migrate` starts it afresh."""
    base, _, name = url.rpartition("/")
    admin = await asyncpg.connect(base + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
