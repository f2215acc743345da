"""Typed application state of the ingest app (aiohttp AppKeys)."""

from __future__ import annotations

import aiohttp
import asyncpg
from aiohttp import web

from services.ingest.providers.publisher import Publisher
from services.ingest.providers.sns import CertificateCache
from shared.replay_guard import TokenClaims
from shared.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
TOKEN_CLAIMS = web.AppKey("token_claims", TokenClaims)
PUBLISHER = web.AppKey("publisher", Publisher)
HTTP_CLIENT = web.AppKey("http_client", aiohttp.ClientSession)
SNS_CERTS = web.AppKey("sns_certs", CertificateCache)
