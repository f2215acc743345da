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
-- Events far outside the monthly partitions (very old imports or late events); pruned by DELETE.
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT;
-- "The latest delivery of this address before t": one backward index probe.
CREATE INDEX deliveries_email_time ON deliveries (email, occurred_at);
-- The stats' time ranges: a BRIN index is a few pages per month (rows arrive in time order).
CREATE INDEX deliveries_time ON deliveries USING brin (occurred_at);

-- Monthly partitions deliveries_yYYYYmMM from the month of `first` through the month of
-- `last`; existing ones are skipped. Called by the migration and by the maintenance pass.
CREATE FUNCTION bounceflow_delivery_partitions(first timestamptz, last timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    m timestamptz := date_trunc('month', first AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    created integer := 0;
    name text;
BEGIN
    WHILE m <= last LOOP
        name := 'deliveries_y' || to_char(m AT TIME ZONE 'UTC', 'YYYY"m"MM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF deliveries FOR VALUES FROM (%L) TO (%L)',
                name, m, m + interval '1 month');
            created := created + 1;
        END IF;
        m := m + interval '1 month';
    END LOOP;
    RETURN created;
END $$;

SELECT bounceflow_delivery_partitions(now() - interval '13 months', now() + interval '2 months');

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
