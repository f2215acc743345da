-- Trust boundary (issue 12).

-- Mailgun tokens, claimed once across every ingest replica with the hash of the body
-- they came with; rows past the signature tolerance window are pruned.
CREATE TABLE replay_guard (
    provider text NOT NULL,
    token text NOT NULL,
    body_sha256 bytea NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, token)
);
CREATE INDEX replay_guard_seen_at ON replay_guard (seen_at);

-- An event time later than received-at + 5 minutes is clamped to received-at; the
-- time the source reported is kept here (NULL when it was not clamped).
ALTER TABLE events ADD COLUMN reported_at timestamptz;
