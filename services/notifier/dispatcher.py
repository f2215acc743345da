"""The delivery loop: claim due deliveries, send them concurrently, record outcomes.

Retry delays live in the database (`next_attempt_at`), never in a sleeping task,
so a retry survives a restart and any replica may perform it. Which deliveries
are claimed, and how a slow endpoint or a flood of retries is kept from holding
up the rest, is `claims`' business.
"""

from __future__ import annotations

import asyncio
import random

import structlog

from services.notifier import delivery
from services.notifier.leases import LeaseBook
from services.notifier.recorder import Recorder
from services.notifier.resources import Resources
from services.notifier.wakeup import sleep_until_set
from shared.db_errors import DATABASE_ERRORS as DB_ERRORS
from shared.db_errors import is_unavailable
from shared.webhook_deliveries import claims
from shared.webhook_deliveries.claims import Claim
from shared.webhook_deliveries.outcomes import Kind, Outcome, decide
from shared.webhook_deliveries.records import Attempted

log = structlog.get_logger(__name__)

# A lease outlives the longest request by this margin (seconds) and is renewed every
# third of its length; a crashed replica's claims come back after it runs out.
LEASE_MARGIN = 10.0
# On shutdown, in-flight requests get this long to finish (seconds); SIGTERM allows 10.
DRAIN_TIMEOUT = 8.0
# Shortest pause between claim rounds (seconds), so a due-but-skipped row cannot spin us.
MIN_PAUSE = 0.01
# Retry delays are multiplied by a random factor in this range (±20 %).
JITTER = (0.8, 1.2)


def per_endpoint_cap(concurrency: int) -> int:
    """Requests one endpoint may have in flight across all replicas: a quarter of a
    replica's slots, so a hanging endpoint leaves the rest to the others."""
    return max(1, concurrency // 4)


class Dispatcher:
    """Runs until `stop()`; then stops claiming, lets in-flight requests finish
    (up to `drain_timeout` seconds) and gives back the leases of the rest."""

    def __init__(self, res: Resources, *, drain_timeout: float = DRAIN_TIMEOUT) -> None:
        self._res = res
        self._settings = res.settings
        self._drain_timeout = drain_timeout
        self._concurrency = res.settings.notifier_concurrency
        self._per_endpoint = per_endpoint_cap(self._concurrency)
        self._disable_after = res.settings.notifier_disable_after
        self._leases = LeaseBook(res.pool, res.settings.notifier_request_timeout + LEASE_MARGIN)
        self._recorder = Recorder(res.pool, self._leases, res.metrics, self._disable_after)
        self._tasks: dict[asyncio.Task[None], Claim] = {}
        self._stopping = False
        self._rng = random.Random()  # noqa: S311 - jitter, not cryptography
        self.wake = asyncio.Event()

    def stop(self) -> None:
        """Stop claiming; `run` returns once in-flight work is settled."""
        self._stopping = True
        self._res.db.close()  # a wait for the database ends
        self.wake.set()

    async def run(self) -> None:
        """Claim and deliver until stopped."""
        renewals = asyncio.create_task(self._leases.run(), name="notifier-lease-renewal")
        recorder = asyncio.create_task(self._recorder.run(), name="notifier-recorder")
        try:
            while not self._stopping:
                # while the database is away nothing is claimed; one prober watches for it
                if not await self._res.db.wait_until_up():
                    break
                # cleared before claiming: a wake-up during the round triggers another round
                self.wake.clear()
                pause = await self._fill()
                await sleep_until_set(self.wake, pause)
        finally:
            try:
                await self._drain()  # in-flight attempts are recorded meanwhile
            finally:
                recorder.cancel()
                self._leases.stop()
                await asyncio.gather(recorder, renewals, return_exceptions=True)

    async def _fill(self) -> float:
        """Claim as many due deliveries as there are free slots and start them.
        Returns how long to sleep (seconds) unless woken earlier."""
        poll = self._settings.notifier_poll_interval
        free = self._concurrency - len(self._tasks)
        if free <= 0:
            return poll  # a finishing request wakes us
        try:
            async with self._res.pool.acquire() as conn:
                claimed = await claims.claim_due(
                    conn,
                    limit=free,
                    per_endpoint=self._per_endpoint,
                    lease_seconds=self._leases.lease_seconds,
                )
                for claim in claimed:
                    self._start(claim)
                if len(claimed) >= free:
                    return poll
                due_in = await claims.seconds_until_next_due(conn, self._per_endpoint)
        except DB_ERRORS as exc:
            log.warning("delivery_claim_failed", error=str(exc))
            if is_unavailable(exc):
                self._res.db.down(exc)
            return poll
        if due_in is None:
            return poll
        return min(poll, max(MIN_PAUSE, due_in))

    def _start(self, claim: Claim) -> None:
        self._leases.hold(claim.id, claim.lease)
        task = asyncio.create_task(self._deliver(claim), name=f"webhook-delivery-{claim.id}")
        self._tasks[task] = claim
        self._res.metrics.in_flight.inc()
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        claim = self._tasks.pop(task)
        self._res.metrics.in_flight.dec()
        if not task.cancelled() and (exc := task.exception()) is not None:
            # a bug, not an endpoint's answer: let the lease run out rather than retry hot
            self._leases.forget(claim.id)
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
            result,
            claim.attempts_in_schedule,
            self._settings.retry_delays,
            self._rng.uniform(*JITTER),
        )
        self._res.metrics.deliveries.labels(outcome.kind.value).inc()
        self._res.metrics.latency.observe(result.latency_ms / 1000.0)
        fields: dict[str, object] = {
            "status_code": result.status_code,
            "latency_ms": round(result.latency_ms, 1),
            "outcome": outcome.kind.value,
        }
        try:
            recorded = await self._recorder.record(Attempted(claim, claim.lease, result, outcome))
        except DB_ERRORS as exc:
            bound.error("delivery_record_failed", error=str(exc), **fields)
            return
        if claim.id not in recorded.ours:
            bound.warning("delivery_lease_lost", **fields)
        _log_outcome(bound, outcome, fields)

    async def _drain(self) -> None:
        if not self._tasks:
            return
        tasks = list(self._tasks)
        log.info("delivery_draining", in_flight=len(tasks))
        _, pending = await asyncio.wait(tasks, timeout=self._drain_timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        unfinished = await self._leases.take_all()
        if not unfinished:
            return
        try:
            async with self._res.pool.acquire() as conn:
                await claims.release(conn, unfinished)
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
