-- One index per delivery instead of two (issue 11). Deliveries had a primary key
-- (dedup_hash, occurred_at) for dedup and an index (email, occurred_at) for the replay's
-- probe, so every insert went into two B-trees, each on a random page. One primary key
-- (email, occurred_at, dedup_hash) serves both: the probe reads its prefix, and dedup is
-- unchanged because a dedup key names one recipient's event (its address is part of
-- what it identifies). bench/history.py's seeded database, per 180-delivery insert:
-- 340 block reads and 269 full-page WAL images -> 168 and 141 for events dated at
-- random over a year; 13.1 -> 10.1 us per event for live traffic. Rebuilding the key
-- locks deliveries: ~8 s per 10 million rows here.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey,
    ADD PRIMARY KEY (email, occurred_at, dedup_hash);
DROP INDEX deliveries_email_time;
