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
from services.processor.deadletter import dead_letter
from services.processor.metrics import UNCLASSIFIABLE_RECIPIENT, UNKNOWN_EVENT_TYPE
from services.processor.parsers import MetadataKeys, ParseError, parse_recording
from services.processor.resources import Resources
from shared.db_errors import DATABASE_ERRORS, is_unavailable
from shared.ledger import ApplyResult, EventRecord, apply_events
from shared.models import EventKind
from shared.raw import RawEvent

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
    message: AbstractIncomingMessage
    records: list[EventRecord]
    unclassifiable: str | None = None  # why it is dead-lettered once its events are applied


def _parse(res: Resources, message: AbstractIncomingMessage, keys: MetadataKeys) -> Parsed:
    raw = RawEvent.from_amqp(message.message_id, message.headers, message.body)
    parsed = parse_recording(raw, keys)
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
    return Parsed(message, records, "; ".join(why) if parsed.unclassifiable else None)


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


async def _reject(
    res: Resources, acks: AckTracker, message: AbstractIncomingMessage, why: str
) -> None:
    await dead_letter(res, message, why)
    await acks.ack([message])


async def _parse_all(
    res: Resources, acks: AckTracker, messages: Sequence[AbstractIncomingMessage]
) -> list[Parsed]:
    parsed: list[Parsed] = []
    for message in messages:
        try:
            parsed.append(_parse(res, message, res.metadata_keys))
        except (ParseError, ValueError) as exc:
            await _reject(res, acks, message, f"unparseable: {exc}")
        except Exception as exc:  # a parser bug must not crash-loop the queue
            log.exception("parser_bug", event_id=message.message_id)
            await _reject(res, acks, message, f"parser error: {exc!r}")
    return parsed


async def handle_batch(
    res: Resources, acks: AckTracker, messages: Sequence[AbstractIncomingMessage]
) -> int:
    """Apply a batch of raw messages in one transaction; returns the events applied."""
    return await _apply_parsed(res, acks, await _parse_all(res, acks, messages))


async def _apply_parsed(res: Resources, acks: AckTracker, parsed: Sequence[Parsed]) -> int:
    """Apply parsed messages in one transaction, then ack (dead-lettering the
    unclassifiable ones first); returns the events applied."""
    if not parsed:
        return 0
    try:
        result = await _apply(res, [r for p in parsed for r in p.records])
    except _BAD_DATA as exc:
        if len(parsed) == 1:
            await _reject(res, acks, parsed[0].message, f"rejected by the database: {exc}")
            return 0
        # one bad event must not sink its batch: apply each message on its own
        applied = 0
        for p in parsed:  # not parsed again: unknown types are counted once
            applied += await _apply_parsed(res, acks, [p])
        return applied
    except Stopping:
        log.info("batch_returned", reason="stopping while the database is away", batch=len(parsed))
        await acks.nack([p.message for p in parsed])
        return 0
    except _TRANSIENT as exc:
        log.error("database_retries_exhausted", error=repr(exc)[:200], batch=len(parsed))
        await acks.nack([p.message for p in parsed])
        return 0
    for p in parsed:
        if p.unclassifiable is not None:  # its classified events are in: keep it for a redrive
            await dead_letter(res, p.message, p.unclassifiable)
    await acks.ack(p.message for p in parsed)
    # one line per batch, naming every ingest event id in it (grep finds an event's line)
    log.info(
        "batch_applied",
        event_ids=[p.message.message_id for p in parsed],
        events=sum(len(p.records) for p in parsed),
        stored=result.stored,
    )
    return result.stored
