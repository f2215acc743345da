-- Notifier: replays, fair claiming, global per-endpoint caps (issue 4).

-- Attempts made before the current retry schedule began: a replay (API retry or bulk
-- replay) starts a new schedule without rewriting the attempt count or the attempt log.
ALTER TABLE webhook_deliveries ADD COLUMN schedule_start integer NOT NULL DEFAULT 0;

-- Claiming: per endpoint, first attempts (attempts = schedule_start) and retries are read
-- from separate indexes, so a backlog of due retries is never scanned to find a first attempt.
CREATE INDEX webhook_deliveries_first_due
    ON webhook_deliveries (endpoint_id, next_attempt_at, id)
    WHERE status = 'pending' AND attempts = schedule_start;
CREATE INDEX webhook_deliveries_retry_due
    ON webhook_deliveries (endpoint_id, next_attempt_at, id)
    WHERE status = 'pending' AND attempts > schedule_start;

-- The per-endpoint cap counts leased rows across every replica; they are few.
CREATE INDEX webhook_deliveries_leased
    ON webhook_deliveries (endpoint_id)
    WHERE status = 'pending' AND locked_until IS NOT NULL;

-- Bulk replay: an endpoint's failed deliveries since a time.
CREATE INDEX webhook_deliveries_failed
    ON webhook_deliveries (endpoint_id, created_at)
    WHERE status = 'failed';
