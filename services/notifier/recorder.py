"""Recording attempts in batches: one transaction for every attempt that finished while
the previous batch was being written.

A quiet notifier writes each attempt at once (a batch of one); a busy one
writes dozens per transaction instead of paying a commit per delivery. The
lease of each attempt stays ours (and renewed) until its batch is written; if
the write fails, the leases run out and the deliveries are attempted again
(at least once, with the same webhook-id).
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from services.notifier.leases import LeaseBook
from services.notifier.metrics import NotifierMetrics
from shared.db_errors import DATABASE_ERRORS as DB_ERRORS
from shared.webhook_deliveries import records
from shared.webhook_deliveries.records import Attempted, Recorded

log = structlog.get_logger(__name__)

# Attempts per transaction at most.
MAX_BATCH = 500


Pending = tuple[Attempted, "asyncio.Future[Recorded]"]


class Recorder:
    """`record()` from any task; `run()` writes the batches until cancelled."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        leases: LeaseBook,
        metrics: NotifierMetrics,
        disable_after: float,
    ) -> None:
        self._pool = pool
        self._leases = leases
        self._metrics = metrics
        self._disable_after = disable_after
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()

    async def record(self, attempted: Attempted) -> Recorded:
        """Store one attempt (in the next batch); raises what the database raised."""
        done: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((attempted, done))
        return await done

    async def run(self) -> None:
        """Write batches as attempts arrive, until cancelled."""
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[Pending]) -> None:
        # the current leases: a renewal may have moved them since the attempts were made
        leases = await self._leases.take_many([a.claim.id for a, _ in batch])
        attempts = [
            Attempted(a.claim, leases.get(a.claim.id, a.lease), a.result, a.outcome)
            for a, _ in batch
        ]
        try:
            async with self._pool.acquire() as conn:
                recorded = await records.record_batch(conn, attempts, self._disable_after)
        except Exception as exc:
            # every waiting attempt learns of it (the recorder itself carries on)
            if not isinstance(exc, DB_ERRORS):
                log.exception("attempts_record_crashed", attempts=len(batch))
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        for _, done in batch:
            if not done.done():
                done.set_result(recorded)
        for endpoint_id, failing_since in recorded.auto_disabled.items():
            self._metrics.auto_disabled.inc()
            # the operational log line of an automatic disable (the API shows the reason)
            log.warning(
                "webhook_endpoint_auto_disabled",
                endpoint_id=endpoint_id,
                failing_since=failing_since.isoformat(),
                disable_after_s=self._disable_after,
            )
