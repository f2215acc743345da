-- Subscribers: one row per address (lower-cased), the policy's derived state.
CREATE TABLE subscribers (
    email             text PRIMARY KEY,
    name              text,
    status            text NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'bounced', 'unsubscribed')),
    soft_streak       integer NOT NULL DEFAULT 0,
    bounce_count      integer NOT NULL DEFAULT 0,
    last_bounce_at    timestamptz,
    status_changed_at timestamptz,
    -- event time of the latest manual status change: older events cannot matter.
    anchor_at         timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscribers_status ON subscribers (status, email);

-- Every applied event (bounces, complaints, deliveries, manual changes).
-- dedup_key is unique: an event is applied at most once.
CREATE TABLE events (
    id                  bigserial PRIMARY KEY,
    dedup_key           text NOT NULL UNIQUE,
    email               text NOT NULL,
    kind                text NOT NULL
                        CHECK (kind IN ('hard', 'soft', 'complaint', 'delivery', 'manual')),
    set_status          text CHECK (set_status IN ('active', 'bounced', 'unsubscribed')),
    source              text NOT NULL,
    occurred_at         timestamptz NOT NULL,
    -- the moment the row was written (not the transaction start): latency is measured on it
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    bounce_subtype      text,
    smtp_code           text,
    enhanced_code       text,
    diagnostic_code     text,
    provider_message_id text,
    campaign_name       text,
    subscriber_name     text,
    ingest_id           text
);
CREATE INDEX events_email_time ON events (email, occurred_at);
-- The bounce log (hard, soft, complaint), newest first.
CREATE INDEX events_bounce_log ON events (id DESC) WHERE kind IN ('hard', 'soft', 'complaint');

-- Transactional outbox: written with the state change, relayed by the notifier.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    message_id  text NOT NULL UNIQUE,
    event_type  text NOT NULL,
    payload     jsonb NOT NULL,
    trace_id    text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    relayed_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE relayed_at IS NULL;

CREATE TABLE webhook_endpoints (
    id                bigserial PRIMARY KEY,
    url               text NOT NULL,
    description       text NOT NULL DEFAULT '',
    events            text[] NOT NULL,
    enabled           boolean NOT NULL DEFAULT true,
    secret            text NOT NULL,
    previous_secret   text,
    previous_secret_expires_at timestamptz,
    disabled_reason   text,
    failing_since     timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per (message, endpoint): the unit of retry.
CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    outbox_id       bigint NOT NULL REFERENCES outbox (id),
    endpoint_id     bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id      text NOT NULL,
    event_type      text NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    last_status_code integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    UNIQUE (outbox_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);

CREATE TABLE webhook_attempts (
    id            bigserial PRIMARY KEY,
    delivery_id   bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at  timestamptz NOT NULL DEFAULT now(),
    status_code   integer,
    latency_ms    double precision NOT NULL,
    error         text,
    response_body text
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- API keys: only a SHA-256 of the key is stored; the key itself is shown once.
CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

-- Idempotency-Key replay store for POST /api/v1/bounces.
CREATE TABLE idempotency_keys (
    api_key_id  bigint NOT NULL,
    key         text NOT NULL,
    response    jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, key)
);
