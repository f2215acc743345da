"""`bounceflow dashboard`: a new `subscribers:read` key, printed inside a dashboard link.

The key travels in the URL fragment (`/dashboard#key=…`), which browsers never
send to the server: it cannot land in access logs or a proxy's. The page moves
it to sessionStorage and clears the address bar.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import asyncpg

from shared.apikeys import create_api_key
from shared.settings import Settings

DASHBOARD_SCOPE = "subscribers:read"
_ANY_ADDRESS = {"0.0.0.0", "::", ""}  # noqa: S104 - compared, not bound


def base_url(settings: Settings) -> str:
    """BOUNCEFLOW_PUBLIC_URL, else the ingest's own host and port."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = "127.0.0.1" if settings.http_host in _ANY_ADDRESS else settings.http_host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.http_port}"


def dashboard_link(settings: Settings, key: str) -> str:
    """The link that opens the dashboard signed in with `key`."""
    return f"{base_url(settings)}/dashboard#key={quote(key, safe='')}"


async def create_dashboard_link(settings: Settings) -> str:
    """Store a new read-only key for the dashboard and return its link."""
    name = f"dashboard {datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
    conn = await asyncpg.connect(settings.database_url)
    try:
        key = await create_api_key(conn, name, [DASHBOARD_SCOPE])
    finally:
        await conn.close()
    return dashboard_link(settings, key)
