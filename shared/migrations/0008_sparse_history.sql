-- The replay reads an address's soft bounces and manual changes in full, but of its hard
-- bounces and complaints only the latest of each (policy.sparse_history): an address that
-- keeps bouncing no longer costs more with every bounce it has. By kind, in the replay's
-- own order (event time, then dedup key by code point as Python compares strings): the
-- soft bounces are one range, the latest hard bounce one backward probe, and an address
-- without complaints costs an empty range, not a walk through its other events.
CREATE INDEX events_email_kind ON events (email, kind, occurred_at, dedup_key COLLATE "C");
