-- Bounded cost per event and retention (issue 11).

-- Deliveries: > 90 % of the traffic, and to the policy only "a delivery happened
-- here". A slim row in a table partitioned by event month, so retention drops whole
-- months instead of deleting rows: no provider fields, no id, no ingest id, and the dedup
-- key as its 16-byte hash (shared.ledger.delivery_key: the first half of its SHA-256; a
-- collision is as likely as a guessed UUID). The key must hold the partition key; a
-- redelivered event carries the same event time (it is parsed from the same body), so
-- dedup stays exact.
CREATE TABLE deliveries (
    dedup_hash  uuid NOT NULL,
    email       text NOT NULL,
    occurred_at timestamptz NOT NULL,
    source      text NOT NULL,
    -- the source's own time when it was clamped (migration 0004); NULL, and free, otherwise
    reported_at timestamptz,
    PRIMARY KEY (dedup_hash, occurred_at)
) PARTITION BY RANGE (occurred_at);
-- "The latest delivery of this address before t": one backward index probe.
CREATE INDEX deliveries_email_time ON deliveries (email, occurred_at);
-- The stats' time ranges: a BRIN index is a few pages per month (rows arrive in time order).
CREATE INDEX deliveries_time ON deliveries USING brin (occurred_at);

-- Monthly partitions deliveries_yYYYYmMM, between deliveries_past (MINVALUE up to the
-- oldest month) and deliveries_future (after the newest month, up to MAXVALUE). No
-- DEFAULT partition: with one, Postgres cannot scan the partitions in order, and "the
-- latest delivery before t" would descend into every month instead of stopping at the
-- first that has one.
DO $$
DECLARE
    first timestamptz := date_trunc('month', (now() - interval '13 months') AT TIME ZONE 'UTC')
                         AT TIME ZONE 'UTC';
BEGIN
    EXECUTE format('CREATE TABLE deliveries_past PARTITION OF deliveries '
                   'FOR VALUES FROM (MINVALUE) TO (%L)', first);
    EXECUTE format('CREATE TABLE %I PARTITION OF deliveries FOR VALUES FROM (%L) TO (%L)',
                   'deliveries_y' || to_char(first AT TIME ZONE 'UTC', 'YYYY"m"MM'),
                   first, first + interval '1 month');
    EXECUTE format('CREATE TABLE deliveries_future PARTITION OF deliveries '
                   'FOR VALUES FROM (%L) TO (MAXVALUE)', first + interval '1 month');
END $$;

-- The month partitions' starts, oldest first.
CREATE FUNCTION bounceflow_delivery_months() RETURNS TABLE (name text, start timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.relname::text,
           to_date(substr(c.relname, 13), 'YYYY"m"MM')::timestamp AT TIME ZONE 'UTC'
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'deliveries'::regclass AND c.relname ~ '^deliveries_y[0-9]{4}m[0-9]{2}$'
    ORDER BY 2
$$;

-- Month partitions through the month of `upto` (deliveries_future moves up; the rows it
-- holds, none while event times are clamped to now + 5 min, move with it). Called by the
-- migration and by every prune; returns the number created.
CREATE FUNCTION bounceflow_delivery_partitions(upto timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    m timestamptz;
    stop timestamptz := date_trunc('month', upto AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    created integer := 0;
BEGIN
    SELECT max(start) + interval '1 month' INTO m FROM bounceflow_delivery_months();
    IF m IS NULL OR m > stop THEN
        RETURN 0;
    END IF;
    ALTER TABLE deliveries DETACH PARTITION deliveries_future;
    WHILE m <= stop LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF deliveries FOR VALUES FROM (%L) TO (%L)',
                       'deliveries_y' || to_char(m AT TIME ZONE 'UTC', 'YYYY"m"MM'),
                       m, m + interval '1 month');
        created := created + 1;
        m := m + interval '1 month';
    END LOOP;
    INSERT INTO deliveries SELECT * FROM deliveries_future WHERE occurred_at < m;
    DELETE FROM deliveries_future WHERE occurred_at < m;
    EXECUTE format('ALTER TABLE deliveries ATTACH PARTITION deliveries_future '
                   'FOR VALUES FROM (%L) TO (MAXVALUE)', m);
    RETURN created;
END $$;

-- Retention: drop the month partitions that end at or before `cutoff` (oldest first, so
-- the months stay contiguous) and let deliveries_past cover their range (a late event
-- there still has a home, and is deleted by age). Returns the number dropped.
CREATE FUNCTION bounceflow_delivery_retire(cutoff timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    r record;
    past_end timestamptz;
    dropped integer := 0;
BEGIN
    FOR r IN SELECT * FROM bounceflow_delivery_months() LOOP
        EXIT WHEN r.start + interval '1 month' > cutoff;
        EXECUTE format('DROP TABLE %I', r.name);
        past_end := r.start + interval '1 month';
        dropped := dropped + 1;
    END LOOP;
    IF past_end IS NOT NULL THEN
        ALTER TABLE deliveries DETACH PARTITION deliveries_past;
        EXECUTE format('ALTER TABLE deliveries ATTACH PARTITION deliveries_past '
                       'FOR VALUES FROM (MINVALUE) TO (%L)', past_end);
    END IF;
    RETURN dropped;
END $$;

SELECT bounceflow_delivery_partitions(now() + interval '2 months');

INSERT INTO deliveries (dedup_hash, email, occurred_at, source, reported_at)
SELECT encode(substr(sha256(convert_to(dedup_key, 'UTF8')), 1, 16), 'hex')::uuid,
       email, occurred_at, source, reported_at
FROM events WHERE kind = 'delivery';
DELETE FROM events WHERE kind = 'delivery';
ALTER TABLE events ADD CONSTRAINT events_no_deliveries CHECK (kind <> 'delivery');

-- The replay's checkpoint, written by retention before it deletes an address's old
-- events: the state after every event older than base_at. Replays start from it.
ALTER TABLE subscribers
    ADD COLUMN base_at     timestamptz,
    ADD COLUMN base_status text CHECK (base_status IN ('active', 'bounced', 'unsubscribed')),
    ADD COLUMN base_streak integer NOT NULL DEFAULT 0;
-- Checkpoints whose streak a later (about to be dropped) delivery may have ended.
CREATE INDEX subscribers_base_streak ON subscribers (email) WHERE base_streak > 0;

-- Retention deletes idempotency keys by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
-- ... relayed outbox rows and finished webhook deliveries by age.
CREATE INDEX outbox_relayed ON outbox (relayed_at) WHERE relayed_at IS NOT NULL;
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at)
    WHERE status <> 'pending';
CREATE INDEX webhook_attempts_time ON webhook_attempts (attempted_at);

-- Housekeeping runs: the last one of each task, for `bounceflow status`.
CREATE TABLE maintenance (
    task        text PRIMARY KEY,
    last_run_at timestamptz NOT NULL,
    result      jsonb NOT NULL
);
