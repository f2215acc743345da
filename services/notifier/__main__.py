"""`python -m services.notifier`: the same as `bounceflow notifier` (services/cli.py)."""

from __future__ import annotations

from services.cli import main

if __name__ == "__main__":
    main(["notifier"])
