"""The delivery loop: claim due deliveries, send them concurrently, record outcomes.

Retry delays live in the database (`next_attempt_at`), never in a sleeping task,
so a retry survives a restart and any replica may perform it.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import asyncpg
import structlog

from services.notifier import db, delivery
from services.notifier.app import Resources
from services.notifier.db import Claim
from services.notifier.outcome import Kind, Outcome, decide
from services.notifier.wakeup import sleep_until_set

log = structlog.get_logger(__name__)

# A claim outlives the longest request by this margin (seconds), so it is never
# taken over while we are still posting; a crashed replica's claims come back after it.
LEASE_MARGIN = 20.0
# On shutdown, in-flight requests get this long to finish (seconds); SIGTERM allows 10.
DRAIN_TIMEOUT = 8.0
# Shortest pause between claim rounds (seconds), so a due-but-skipped row cannot spin us.
MIN_PAUSE = 0.01
# Retry delays are multiplied by a random factor in this range.
JITTER = (0.8, 1.2)

DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class Dispatcher:
    """Runs until `stop()`; then stops claiming, lets in-flight requests finish
    (up to `drain_timeout` seconds) and gives back the leases of the rest."""

    def __init__(self, res: Resources, *, drain_timeout: float = DRAIN_TIMEOUT) -> None:
        self._res = res
        self._settings = res.settings
        self._drain_timeout = drain_timeout
        self._concurrency = res.settings.notifier_concurrency
        # one slow endpoint may hold at most a quarter of the slots
        self._per_endpoint = max(1, self._concurrency // 4)
        self._lease = res.settings.notifier_request_timeout + LEASE_MARGIN
        self._tasks: dict[asyncio.Task[None], Claim] = {}
        self._in_flight: Counter[int] = Counter()  # endpoint id -> requests in flight
        self._stopping = False
        self._rng = random.Random()  # noqa: S311 - jitter, not cryptography
        self.wake = asyncio.Event()

    def stop(self) -> None:
        """Stop claiming; `run` returns once in-flight work is settled."""
        self._stopping = True
        self.wake.set()

    async def run(self) -> None:
        """Claim and deliver until stopped."""
        try:
            while not self._stopping:
                # cleared before claiming: a wake-up during the round triggers another round
                self.wake.clear()
                pause = await self._fill()
                await sleep_until_set(self.wake, pause)
        finally:
            await self._drain()

    async def _fill(self) -> float:
        """Claim as many due deliveries as there are free slots and start them.
        Returns how long to sleep (seconds) unless woken earlier."""
        poll = self._settings.notifier_poll_interval
        free = self._concurrency - len(self._tasks)
        if free <= 0:
            return poll  # a finishing request wakes us
        try:
            async with self._res.pool.acquire() as conn:
                claims = await db.claim_due(
                    conn,
                    limit=free,
                    per_endpoint=self._per_endpoint,
                    in_flight=self._in_flight,
                    lease_seconds=self._lease,
                )
                for claim in claims:
                    self._start(claim)
                if len(claims) >= free:
                    return poll
                saturated = [e for e, n in self._in_flight.items() if n >= self._per_endpoint]
                due_in = await db.seconds_until_next_due(conn, saturated)
        except DB_ERRORS as exc:
            log.warning("delivery_claim_failed", error=str(exc))
            return poll
        if due_in is None:
            return poll
        return min(poll, max(MIN_PAUSE, due_in))

    def _start(self, claim: Claim) -> None:
        self._in_flight[claim.endpoint_id] += 1
        task = asyncio.create_task(self._deliver(claim), name=f"webhook-delivery-{claim.id}")
        self._tasks[task] = claim
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        claim = self._tasks.pop(task)
        self._in_flight[claim.endpoint_id] -= 1
        if self._in_flight[claim.endpoint_id] <= 0:
            del self._in_flight[claim.endpoint_id]
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error(
                "delivery_crashed",
                webhook_id=claim.message_id,
                trace_id=claim.trace_id,
                endpoint_id=claim.endpoint_id,
                delivery_id=claim.id,
                exc_info=exc,
            )
        self.wake.set()  # a slot is free

    async def _deliver(self, claim: Claim) -> None:
        """One attempt: post, decide, record. A failure to record leaves the lease to
        expire, so the delivery is attempted again (at least once)."""
        bound = log.bind(
            webhook_id=claim.message_id,
            trace_id=claim.trace_id,
            endpoint_id=claim.endpoint_id,
            delivery_id=claim.id,
            event_type=claim.event_type,
            attempt=claim.attempts + 1,
        )
        result = await delivery.attempt(
            self._res.session, claim, self._settings.allow_private_endpoints
        )
        outcome = decide(
            result, claim.attempts, self._settings.retry_delays, self._rng.uniform(*JITTER)
        )
        fields: dict[str, object] = {
            "status_code": result.status_code,
            "latency_ms": round(result.latency_ms, 1),
            "outcome": outcome.kind.value,
        }
        try:
            async with self._res.pool.acquire() as conn:
                ours = await db.record_attempt(conn, claim, result, outcome)
        except DB_ERRORS as exc:
            bound.error("delivery_record_failed", error=str(exc), **fields)
            return
        if not ours:
            bound.warning("delivery_lease_lost", **fields)
        _log_outcome(bound, outcome, fields)

    async def _drain(self) -> None:
        if not self._tasks:
            return
        claims = dict(self._tasks)
        log.info("delivery_draining", in_flight=len(claims))
        _, pending = await asyncio.wait(list(claims), timeout=self._drain_timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        unfinished = [claims[t] for t in pending]
        if not unfinished:
            return
        try:
            async with self._res.pool.acquire() as conn:
                await db.release(conn, unfinished)
        except DB_ERRORS as exc:
            # the leases simply run out instead
            log.warning("delivery_release_failed", error=str(exc), count=len(unfinished))
            return
        log.info("delivery_leases_released", count=len(unfinished))


def _log_outcome(
    bound: structlog.typing.FilteringBoundLogger, outcome: Outcome, fields: dict[str, object]
) -> None:
    if outcome.kind is Kind.SUCCEEDED:
        bound.info("webhook_delivered", **fields)
    elif outcome.kind is Kind.RETRY:
        assert outcome.retry_in is not None
        bound.info(
            "webhook_retry_scheduled",
            retry_in_s=round(outcome.retry_in, 3),
            error=outcome.reason,
            **fields,
        )
    elif outcome.kind is Kind.FAILED:
        bound.warning("webhook_dead_lettered", error=outcome.reason, **fields)
    else:
        bound.warning("webhook_endpoint_disabled", error=outcome.reason, **fields)
