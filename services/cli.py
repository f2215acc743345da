"""The `bounceflow` command (CONTRACT §1)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

import asyncpg
from aio_pika.exceptions import AMQPError

from services.runtime import new_event_loop, run_until_signalled
from shared.logging import configure_logging
from shared.settings import Settings, SettingsError, load_settings

OPS_COMMANDS = ("import", "replay", "status", "prune", "dlq")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bounceflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations (idempotent, safe concurrently)")
    ingest = sub.add_parser("ingest", help="HTTP service: provider webhooks and the management API")
    ingest.add_argument(
        "--workers",
        help="processes sharing the port (SO_REUSEPORT): a number or auto "
        "(default: BOUNCEFLOW_INGEST_WORKERS, else 1)",
    )
    sub.add_parser("processor", help="consume raw provider events and apply the policy")
    sub.add_parser("notifier", help="deliver outgoing webhooks with retries")
    sub.add_parser("run", help="ingest, processor and notifier in one process")
    keys = sub.add_parser("apikey", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    create = keys.add_parser("create", help="create a key; prints it alone on the last line")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma list of subscribers,webhooks,admin")
    keys.add_parser("list", help="list keys (never the keys themselves)")
    revoke = keys.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", type=int)
    sub.add_parser("dashboard", help="print a /dashboard#key=… link with a new read-only key")
    importer = sub.add_parser(
        "import", help="import a Mailgun, SendGrid or SES suppression-list CSV export"
    )
    importer.add_argument("file", help="the CSV file ('-' for standard input)")
    importer.add_argument("--format", choices=["mailgun", "sendgrid", "ses", "bounceflow"])
    importer.add_argument("--kind", choices=["hard", "complaint"], help="override every row")
    importer.add_argument(
        "--domain", help="record every row as sent from this domain (default: global)"
    )
    replay = sub.add_parser(
        "replay", help="queue an endpoint's failed webhook deliveries again, with progress"
    )
    replay.add_argument("--endpoint", type=int, required=True, metavar="ID")
    replay.add_argument("--since", required=True, metavar="T", help="RFC 3339, or e.g. 24h ago")
    replay.add_argument("--until", metavar="T", help="RFC 3339, or e.g. 1h ago (default: now)")
    status = sub.add_parser(
        "status",
        help="queue depths, consumer lag, pending and failing deliveries, "
        "disabled endpoints, last prune",
    )
    status.add_argument("--json", action="store_true", help="one JSON document")
    sub.add_parser("prune", help="delete by age what retention allows, with progress")
    dead = sub.add_parser("dlq", help="dead-lettered raw events").add_subparsers(
        dest="action", required=True
    )
    listing = dead.add_parser("list", help="show dead letters with their error (they stay)")
    listing.add_argument("--limit", type=_positive, default=100, help="show at most N (100)")
    redrive = dead.add_parser("redrive", help="move dead letters back to the raw queue")
    redrive.add_argument("--limit", type=_positive, default=None, help="move at most N")
    return parser


def _ingest(settings: Settings, workers: str | None) -> int:
    from services.ingest.app import serve as ingest
    from services.ingest.workers import supervise

    if workers is not None:
        settings = settings.model_copy(update={"ingest_workers": workers})
    try:
        count = settings.ingest_worker_count
    except ValueError as exc:
        print(f"bounceflow: ingest: --workers {workers}: {exc}", file=sys.stderr)
        return 2
    if count == 1:
        run_until_signalled(ingest, settings, "ingest")
        return 0
    return supervise(count, settings, lambda: run_until_signalled(ingest, settings, "ingest"))


async def _migrate(settings: Settings) -> None:
    from shared.migrate import ensure_database, migrate

    await ensure_database(settings.database_url)
    conn = await asyncpg.connect(settings.database_url)
    try:
        applied = await migrate(conn)
    finally:
        await conn.close()
    print(f"migrations applied: {', '.join(applied) if applied else 'none (up to date)'}")


async def _apikey(settings: Settings, args: argparse.Namespace) -> int:
    from shared import apikeys

    conn = await asyncpg.connect(settings.database_url)
    try:
        if args.action == "create":
            scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
            try:
                key = await apikeys.create_api_key(conn, args.name, scopes)
            except ValueError as exc:
                print(f"bounceflow: {exc}", file=sys.stderr)
                return 2
            print(
                f"created API key {args.name!r} with scopes {','.join(scopes)}; it is shown once:"
            )
            print(key)
        elif args.action == "list":
            for info in await apikeys.list_api_keys(conn):
                print(info.describe())
        elif not await apikeys.revoke_api_key(conn, args.id):
            print(f"bounceflow: no active API key with id {args.id}", file=sys.stderr)
            return 1
        else:
            print(f"revoked API key {args.id}")
    finally:
        await conn.close()
    return 0


async def _ops(settings: Settings, args: argparse.Namespace) -> int:
    """The ops commands, each in its own module services/cli_<name>.py."""
    if args.command == "import":
        from services.cli_import import run_import

        return await run_import(settings, args.file, args.format, args.kind, args.domain)
    if args.command == "replay":
        from services.cli_replay import run_replay

        return await run_replay(settings, args.endpoint, args.since, args.until)
    if args.command == "status":
        from services.cli_status import run_status

        return await run_status(settings, args.json)
    if args.command == "prune":
        from services.cli_prune import run_prune

        return await run_prune(settings)
    from services.cli_dlq import run_dlq

    return await run_dlq(settings, args.action, args.limit)


async def _run_all(settings: Settings, stop: asyncio.Event) -> None:
    from services.ingest.app import serve as ingest
    from services.notifier.app import serve as notifier
    from services.processor.app import serve as processor

    await asyncio.gather(
        ingest(settings, stop), processor(settings, stop), notifier(settings, stop)
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"bounceflow: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    command = args.command
    try:
        if command == "migrate":
            configure_logging(settings.log_level, settings.log_format, "migrate")
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                runner.run(_migrate(settings))
        elif command == "apikey":
            configure_logging("warning", settings.log_format, "apikey")
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                raise SystemExit(runner.run(_apikey(settings, args)))
        elif command in OPS_COMMANDS:
            configure_logging("warning", settings.log_format, command)
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                raise SystemExit(runner.run(_ops(settings, args)))
        elif command == "dashboard":
            from services.ingest.api.dashboard.cli import create_dashboard_link

            configure_logging("warning", settings.log_format, "dashboard")
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                print(runner.run(create_dashboard_link(settings)))
        elif command == "ingest":
            raise SystemExit(_ingest(settings, args.workers))
        elif command == "processor":
            from services.processor.app import serve as processor

            run_until_signalled(processor, settings, "processor")
        elif command == "notifier":
            from services.notifier.app import serve as notifier

            run_until_signalled(notifier, settings, "notifier")
        else:
            run_until_signalled(_run_all, settings, "bounceflow")
    except (OSError, asyncpg.PostgresError, AMQPError) as exc:
        print(f"bounceflow: {command}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
