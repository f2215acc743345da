"""Typed application state of the ingest app (aiohttp AppKeys)."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.ingest.publisher import Publisher
from shared.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
PUBLISHER = web.AppKey("publisher", Publisher)
