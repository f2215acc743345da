"""`bounceflow ingest --workers N`: N ingest processes sharing one port (SO_REUSEPORT).

The kernel spreads new connections over the processes, so the HTTP, auth and publish work
of the webhooks runs on more than one core. The parent only supervises: it forks the
workers before any event loop exists, forwards SIGTERM/SIGINT to them, and, when one dies
unasked, stops the others and exits non-zero (the orchestrator restarts the whole). A
worker dies with its parent (PR_SET_PDEATHSIG), so none is left holding the port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable

import structlog

from shared.logging import configure_logging
from shared.settings import Settings

log = structlog.get_logger(__name__)

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def supervise(count: int, settings: Settings, run_worker: Callable[[], None]) -> int:
    """Fork `count` workers running `run_worker`; the exit status of the whole."""
    configure_logging(settings.log_level, settings.log_format, "ingest")
    parent = os.getpid()
    children: set[int] = set()
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            _die_with_parent()
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)
            code = 0
            try:
                run_worker()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                log.exception("ingest_worker_failed")
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
        children.add(pid)
    log.info("ingest_workers_started", workers=count, pids=sorted(children))
    return _wait(children)


def _wait(children: set[int]) -> int:
    stopping = False

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = 0
    while children:
        try:
            pid, wait_status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        code = os.waitstatus_to_exitcode(wait_status)
        if not stopping:  # a worker died unasked: stop the rest, fail the whole
            log.error("ingest_worker_exited", pid=pid, exit_code=code)
            status = 1
            forward(signal.SIGTERM, None)
        elif code not in (0, -signal.SIGTERM, -signal.SIGINT):
            status = 1
    return status
