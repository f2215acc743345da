"""`python -m services.ingest`: the same as `bounceflow ingest` (services/cli.py)."""

from __future__ import annotations

from services.cli import main

if __name__ == "__main__":
    main(["ingest"])
