"""The processor's message handler: parse -> load -> decide -> persist -> ack.

Outcomes for each raw message of a batch:
- parsed and applied (or already applied: dedup)  -> ack, after the commit;
- unparseable                                      -> dead-letter with the reason, ack;
- an event type no classification rule knows       -> counted (metric
  bounceflow_unrecognised_events_total{provider, reason}) and logged at warning; when it
  named a recipient (`unclassifiable`), the classified events are applied AND the
  message is dead-lettered with the reason, for a redrive once the parser knows it
  (dedup makes the redrive's re-application harmless);
- the database rejects its events (bad data)       -> dead-letter with the reason, ack;
- the database is away (shared.db_errors.is_unavailable: restart, outage, a connection
  it killed)                                         -> held unacked, however long the
  outage, while the consumer is paused; applied once the database answers again (a
  redelivery would count against the broker's delivery limit, holding does not);
  nack with requeue only when the processor stops meanwhile;
- other transient errors (deadlock, serialization, resources) persisting past about a
  minute of backoff                                  -> nack with requeue: the broker
  redelivers it, and after `delivery_limit` tries dead-letters it.
Nothing is acked before the transaction that applied it committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.processor.acks import AckTracker
from services.processor.deadletter import dead_letter, dead_letter_event
from services.processor.metrics import UNCLASSIFIABLE_RECIPIENT, UNKNOWN_EVENT_TYPE
from services.processor.parsers import ParseError, parse_recording
from services.processor.resources import Resources
from shared import raw_bundle
from shared.db_errors import DATABASE_ERRORS, is_unavailable
from shared.ledger import ApplyResult, EventRecord, apply_events
from shared.models import EventKind
from shared.raw import RawEvent
from shared.raw_bundle import raw_events

log = structlog.get_logger(__name__)

# Only these mean "this data can never be applied" (SQLSTATE classes 22 and 23);
# any other database error is taken as transient (connection lost, server restarting,
# deadlock, out of resources) and retried.
_BAD_DATA = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)
_TRANSIENT = DATABASE_ERRORS
# Seconds between tries of a batch whose database work failed transiently (~1 min total).
_BACKOFF = (0.05, 0.25, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0)
# Tries of a batch failing as "unavailable" although the database answered the probe in
# between: past these it is retried like any transient error (a bug must not loop forever).
_UNAVAILABLE_TRIES = 10


@dataclass(frozen=True, slots=True)
class Parsed:
    raw: RawEvent
    message: AbstractIncomingMessage  # the delivery holding it (a bundle holds several)
    records: list[EventRecord]
    unclassifiable: str | None = None  # why it is dead-lettered once its events are applied


def _parse(res: Resources, message: AbstractIncomingMessage, raw: RawEvent) -> Parsed:
    parsed = parse_recording(raw, res.metadata_keys)
    records = [
        EventRecord.from_canonical(e, raw.event_id, raw.received_at)
        for e in parsed.events
        if e.kind is not EventKind.IGNORED
    ]
    why: list[str] = []
    for u in parsed.unrecognised:
        reason = UNCLASSIFIABLE_RECIPIENT if u.with_recipient else UNKNOWN_EVENT_TYPE
        res.metrics.unrecognised.labels(raw.provider, reason).inc()
        log.warning(
            "unrecognised_event_type",
            event_id=raw.event_id,
            provider=raw.provider,
            category=u.category,
            reason=reason,
        )
        if u.with_recipient:
            why.append(f"{raw.provider}: unknown event type {u.category!r} with recipients")
    return Parsed(raw, message, records, "; ".join(why) if parsed.unclassifiable else None)


class Stopping(Exception):
    """The processor is stopping while the database is away: return the batch."""


async def _apply(res: Resources, records: Sequence[EventRecord]) -> ApplyResult:
    """Apply in one transaction. While the database is away, wait for it (without limit);
    retry other transient failures with backoff; bad data raises at once."""
    backoff = iter(_BACKOFF)
    unavailable = 0
    while True:
        if not await res.db.wait_until_up():
            raise Stopping
        try:
            async with res.pool.acquire() as conn:
                return await apply_events(conn, records, res.settings.soft_bounce_threshold)
        except _BAD_DATA:
            raise
        except _TRANSIENT as exc:
            if is_unavailable(exc) and unavailable < _UNAVAILABLE_TRIES:
                unavailable += 1
                res.db.down(exc)  # pauses the consumer; we wait above, messages unacked
                continue
            delay = next(backoff, None)
            if delay is None:
                raise
            log.warning("database_retry", error=repr(exc)[:200], retry_in=delay)
            await asyncio.sleep(delay)  # backoff before the next try, with messages unacked


async def _reject(res: Resources, p: Parsed | AbstractIncomingMessage, why: str) -> None:
    """Dead-letter one event (or a delivery that holds none); acked with its batch."""
    if isinstance(p, Parsed) and p.message.content_type == raw_bundle.CONTENT_TYPE:
        await dead_letter_event(res, p.raw, why)  # alone: its bundle's others are applied
    else:
        await dead_letter(res, p.message if isinstance(p, Parsed) else p, why)


async def _parse_all(res: Resources, messages: Sequence[AbstractIncomingMessage]) -> list[Parsed]:
    """Every event of `messages`, parsed; what cannot be is dead-lettered."""
    parsed: list[Parsed] = []
    for message in messages:
        try:
            raws = raw_events(
                message.message_id, message.content_type, message.headers, message.body
            )
        except ValueError as exc:
            await _reject(res, message, f"unparseable: {exc}")
            continue
        for raw in raws:
            unit = Parsed(raw, message, [])
            try:
                parsed.append(_parse(res, message, raw))
            except (ParseError, ValueError) as exc:
                await _reject(res, unit, f"unparseable: {exc}")
            except Exception as exc:  # a parser bug must not crash-loop the queue
                log.exception("parser_bug", event_id=raw.event_id)
                await _reject(res, unit, f"parser error: {exc!r}")
    return parsed


class Returned(Exception):
    """The batch goes back to the broker (nack, requeue): stopping while the database is
    away, or transient errors past the backoff."""


async def handle_batch(
    res: Resources, acks: AckTracker, messages: Sequence[AbstractIncomingMessage]
) -> int:
    """Apply a batch of raw messages in one transaction; returns the events applied.

    A message is acked only once every event it holds is applied or dead-lettered (one
    ack for the batch); returned, the whole batch is redelivered (dedup makes what was
    applied of it harmless)."""
    parsed = await _parse_all(res, messages)
    try:
        stored = await _apply_parsed(res, parsed)
    except Returned:
        await acks.nack(messages)
        return 0
    await acks.ack(messages)
    # one line per batch, naming every ingest event id in it (grep finds an event's line)
    log.info(
        "batch_applied",
        event_ids=[p.raw.event_id for p in parsed],
        events=sum(len(p.records) for p in parsed),
        stored=stored,
    )
    return stored


async def _apply_parsed(res: Resources, parsed: Sequence[Parsed]) -> int:
    """Apply parsed events in one transaction (dead-lettering the unclassifiable ones
    after); the events stored. Raises Returned when the batch must go back."""
    if not parsed:
        return 0
    try:
        result = await _apply(res, [r for p in parsed for r in p.records])
    except _BAD_DATA as exc:
        if len(parsed) == 1:
            await _reject(res, parsed[0], f"rejected by the database: {exc}")
            return 0
        # one bad event must not sink its batch: apply each event on its own
        stored = 0
        for p in parsed:  # not parsed again: unknown types are counted once
            stored += await _apply_parsed(res, [p])
        return stored
    except Stopping:
        log.info("batch_returned", reason="stopping while the database is away", batch=len(parsed))
        raise Returned from None
    except _TRANSIENT as exc:
        log.error("database_retries_exhausted", error=repr(exc)[:200], batch=len(parsed))
        raise Returned from None
    for p in parsed:
        if p.unclassifiable is not None:  # its classified events are in: keep it for a redrive
            await _reject(res, p, p.unclassifiable)
    return result.stored
