"""Sleeping that an event can cut short."""

from __future__ import annotations

import asyncio
import contextlib


async def sleep_until_set(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds` for `event`; True when it was set, False on timeout."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()
