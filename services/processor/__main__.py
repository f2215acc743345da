"""`python -m services.processor`: the same as `bounceflow processor` (services/cli.py)."""

from __future__ import annotations

from services.cli import main

if __name__ == "__main__":
    main(["processor"])
