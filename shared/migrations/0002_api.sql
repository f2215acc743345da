-- Management API (issue 5).

-- Mailgun's bounces table (/v3/{domain}/bounces): bounced subscribers, newest bounce first,
-- paged by offset or by keyset on (sort key, email).
CREATE INDEX subscribers_bounced
    ON subscribers ((COALESCE(last_bounce_at, status_changed_at, created_at)) DESC, email DESC)
    WHERE status = 'bounced';

-- The suppression check (up to 10,000 addresses a call) and the export: the suppressed
-- addresses only, by address. Without it the planner scans the whole table for the check.
CREATE INDEX subscribers_suppressed ON subscribers (email) WHERE status <> 'active';

-- GET /api/v1/stats counts events by event time; the bounce log's since/until filter too.
CREATE INDEX events_occurred_at ON events (occurred_at);

-- The bounce log's size by kind and source, so that its `total` stays cheap on millions of
-- rows. Append-only deltas written by statement-level triggers (no hot row: concurrent
-- writers never wait on each other), summed by readers, compacted now and then by the API.
CREATE TABLE bounce_log_counts (
    kind   text NOT NULL,
    source text NOT NULL,
    n      bigint NOT NULL
);
CREATE INDEX bounce_log_counts_key ON bounce_log_counts (kind, source);

CREATE FUNCTION bounce_log_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bounce_log_counts (kind, source, n)
    SELECT kind, source, count(*) FROM new_rows
    WHERE kind IN ('hard', 'soft', 'complaint') GROUP BY kind, source;
    RETURN NULL;
END $$;

CREATE FUNCTION bounce_log_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bounce_log_counts (kind, source, n)
    SELECT kind, source, -count(*) FROM old_rows
    WHERE kind IN ('hard', 'soft', 'complaint') GROUP BY kind, source;
    RETURN NULL;
END $$;

CREATE FUNCTION bounce_log_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bounce_log_counts (kind, source, n)
    SELECT kind, source, sum(d) FROM (
        SELECT kind, source, -1 AS d FROM old_rows
        UNION ALL
        SELECT kind, source, 1 AS d FROM new_rows
    ) t
    WHERE kind IN ('hard', 'soft', 'complaint') GROUP BY kind, source HAVING sum(d) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION bounce_log_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM bounce_log_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER events_counted_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bounce_log_count_inserted();
CREATE TRIGGER events_counted_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bounce_log_count_deleted();
CREATE TRIGGER events_counted_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bounce_log_count_updated();
CREATE TRIGGER events_counted_truncate AFTER TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION bounce_log_count_truncated();

INSERT INTO bounce_log_counts (kind, source, n)
SELECT kind, source, count(*) FROM events
WHERE kind IN ('hard', 'soft', 'complaint') GROUP BY kind, source;
