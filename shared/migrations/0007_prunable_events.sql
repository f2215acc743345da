-- Retention finds prunable events (happened AND received before the cutoff) by one index
-- range: GREATEST(occurred_at, created_at) < cutoff is exactly that condition. Searching
-- events_occurred_at instead visited every old-dated event received since (imported
-- suppression lists, late backlogs) once a minute, a cost that grew with the table.
CREATE INDEX events_prunable ON events ((GREATEST(occurred_at, created_at)));
