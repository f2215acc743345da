"""Opaque keyset cursors for the bounce log. Pure.

A cursor names the last row of a page (the bounce log is ordered by id,
newest first); the next page is the rows below it. It is 16 hex digits so that
every string matching its pattern is a valid position (`^[0-7][0-9a-f]{15}$`,
below 2**63): clients must treat it as opaque, and may not build one.
"""

from __future__ import annotations

import re

_CURSOR = re.compile(r"^[0-7][0-9a-f]{15}$")


def encode_cursor(last_id: int) -> str:
    """The cursor after the row with id `last_id`."""
    if not 0 <= last_id < 2**63:
        raise ValueError("id out of range")
    return f"{last_id:016x}"


def decode_cursor(cursor: str) -> int:
    """The id a cursor names; ValueError for anything that is not a cursor."""
    if not _CURSOR.match(cursor):
        raise ValueError("not a cursor")
    return int(cursor, 16)
