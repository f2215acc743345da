"""`/healthz` and `/readyz` for the services without an HTTP API (processor, notifier).

`/healthz` answers 200 while the event loop runs (liveness: restart me if this
fails). `/readyz` answers 200 when every check passes, else 503 with each
check's state (readiness: do not count on me now), in the ingest's shape:
`{"status": "ok"|"unavailable", "checks": {"database": "ok", ...}}`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

Checks = Callable[[], Awaitable[Mapping[str, bool]]]


def add_health_routes(app: web.Application, checks: Checks) -> None:
    """Mount GET /healthz and GET /readyz on `app`."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        states = {name: "ok" if ok else "unavailable" for name, ok in (await checks()).items()}
        ready = all(state == "ok" for state in states.values())
        return web.json_response(
            {"status": "ok" if ready else "unavailable", "checks": states},
            status=200 if ready else 503,
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)


@contextlib.asynccontextmanager
async def serving(app: web.Application, host: str, port: int, what: str) -> AsyncIterator[int]:
    """Serve `app` on host:port while inside; yields the bound port."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = int(runner.addresses[0][1])
        log.info("health_serving", service=what, host=host, port=bound)
        yield bound
    finally:
        await runner.cleanup()
