-- The deliveries' primary key in time order (issue 11): live traffic is dated within
-- minutes of now, so its dedup inserts land at the key's right edge and the key's pages
-- in use are the last hours', not every page of the month (a key led by the hash put
-- each insert on a random leaf of the month: bench/history.py's seeded database read 130
-- blocks per 180-delivery insert, 75 with this key). The same columns, so dedup is
-- unchanged. Led by occurred_at, the key also serves the stats' time ranges, which the
-- BRIN index did. Rebuilding the key locks deliveries: ~5 s per 10 million rows here.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey,
    ADD PRIMARY KEY (occurred_at, dedup_hash);
DROP INDEX deliveries_time;
