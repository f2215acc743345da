"""`bounceflow status [--json]`: one screen of operational state (shared.ops_status).

Queue depths and consumer lag (broker), pending and failing webhook deliveries,
disabled endpoints with their reason, the last prune (database). A part that cannot
be reached says so on one line and the rest is still shown; the exit code is then 1.
"""

from __future__ import annotations

import logging

import orjson
from rich.console import Console
from rich.table import Table

from shared.broker import Topology
from shared.ops_status import Json, gather_status
from shared.settings import Settings


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return (
        f"{days}d {hours}h" if days else f"{hours}h {minutes}m" if hours else f"{minutes}m {secs}s"
    )


def _queues(broker: Json) -> Table:
    table = Table(title="broker queues", title_justify="left")
    for column in ("queue", "ready", "unacked", "consumers", "lag (ready/consumer)", "oldest"):
        table.add_column(column)
    for part in ("raw", "dead"):
        q = broker[part]
        if "error" in q:
            table.add_row(q["name"], q["error"], "", "", "", "")
            continue
        lag = "-" if q["lag"] is None else f"{q['lag']:,.1f}"
        table.add_row(
            q["name"],
            f"{q['ready']:,}",
            "n/a over AMQP",
            str(q["consumers"]),
            lag if q["consumers"] or not q["ready"] else "no consumer",
            _age(q.get("oldest_age_seconds")),
        )
    return table


def _database(console: Console, db: Json) -> None:
    d = db["deliveries"]
    console.print(
        f"webhook deliveries: {d['pending']:,} pending ({d['failing']:,} failing and retrying, "
        f"{d['in_flight']:,} in flight, oldest {_age(d['oldest_pending_age_seconds'])}), "
        f"{d['failed']:,} failed (replayable), {d['outbox_unrelayed']:,} events not yet relayed"
    )
    disabled = db["disabled_endpoints"]
    console.print(f"disabled endpoints: {len(disabled) or 'none'}")
    for e in disabled:
        console.print(f"  #{e['id']} {e['url']}: {e['reason']}", markup=False)
    for e in db["failing_endpoints"]:
        console.print(f"  failing: #{e['id']} {e['url']} since {e['failing_since']}", markup=False)
    pruned = db["last_prune"]
    if pruned is None:
        console.print("last prune: never")
    else:
        removed = ", ".join(f"{k} {v:,}" for k, v in pruned["removed"].items()) or "nothing"
        console.print(f"last prune: {pruned['at']} ({removed})", markup=False)


def render(status: Json, console: Console) -> None:
    """The human screen of `status`."""
    broker, db = status["broker"], status["database"]
    if "error" in broker:
        console.print(f"broker: {broker['error']}", markup=False)
    else:
        console.print(_queues(broker))
    if "error" in db:
        console.print(f"database: {db['error']}", markup=False)
    else:
        _database(console, db)


async def run_status(settings: Settings, as_json: bool) -> int:
    """Print the status; 0 when every part answered, 1 otherwise."""
    logging.getLogger("aiormq").setLevel(logging.CRITICAL)  # the one line below says it
    topo = Topology(settings.amqp_prefix, settings.raw_queue_max_length, settings.delivery_limit)
    status = await gather_status(settings.database_url, settings.amqp_url, topo)
    if as_json:
        print(orjson.dumps(status, option=orjson.OPT_INDENT_2).decode())
    else:
        render(status, Console(width=120))
    return 1 if "error" in status["broker"] or "error" in status["database"] else 0
