"""Liveness, readiness and Prometheus metrics (CONTRACT §5). Unauthenticated."""

from __future__ import annotations

import asyncio
from typing import Literal

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from services.ingest import state
from services.ingest.api.operations import Operation, describe
from services.ingest.metrics import METRICS

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()

DATABASE_CHECK_TIMEOUT = 2.0  # seconds; a readiness probe must answer quickly
Check = Literal["ok", "unavailable"]


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Check
    checks: dict[str, Check]


@routes.get("/healthz")
@describe(Operation("Liveness", tag="service", style="plain", response=Liveness))
async def healthz(_request: web.Request) -> web.StreamResponse:
    """200 while the process serves HTTP at all."""
    return web.json_response({"status": "ok"})


async def _database_ok(request: web.Request) -> bool:
    try:
        async with asyncio.timeout(DATABASE_CHECK_TIMEOUT):
            return bool(await request.app[state.POOL].fetchval("SELECT 1") == 1)
    except Exception as exc:  # any failure means "not ready", whatever its kind
        log.warning("readiness_database_failed", error=type(exc).__name__)
        return False


@routes.get("/readyz")
@describe(Operation("Readiness", tag="service", style="plain", response=Readiness, errors=(503,)))
async def readyz(request: web.Request) -> web.StreamResponse:
    """200 when the database answers `SELECT 1` and the broker connection is up;
    else 503 naming the failed check."""
    checks = {
        "database": "ok" if await _database_ok(request) else "unavailable",
        "broker": "ok" if request.app[state.PUBLISHER].ready else "unavailable",
    }
    ready = all(state == "ok" for state in checks.values())
    return web.json_response(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


@routes.get("/metrics")
@describe(
    Operation("Prometheus metrics", tag="service", style="plain", response_media="text/plain")
)
async def metrics(request: web.Request) -> web.StreamResponse:
    """The app's metrics in the Prometheus text format."""
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
