-- Sending domains (issue 9): each event records the domain it was sent from (NULL when
-- the provider's payload named none); the bounce log and stats filter on it, and the
-- Mailgun bounces API (/v3/{domain}/bounces) lists, adds and clears per domain.
ALTER TABLE events ADD COLUMN sending_domain text;
-- ?domain= on the bounce log (newest first). Stats by domain read their time window
-- (events_occurred_at) and filter: no second index to keep up on every insert.
CREATE INDEX events_domain_log ON events (sending_domain, id DESC)
    WHERE kind IN ('hard', 'soft', 'complaint') AND sending_domain IS NOT NULL;

-- DELETE /v3/{domain}/bounces/{address}: that domain's bounces of the address up to
-- cleared_at no longer hold it (the address stays suppressed while another domain's do).
CREATE TABLE domain_bounce_clears (
    email          text NOT NULL,
    sending_domain text NOT NULL,
    cleared_at     timestamptz NOT NULL,
    PRIMARY KEY (email, sending_domain)
);

-- Deliveries too (stats per domain count them); every partition gets the column.
ALTER TABLE deliveries ADD COLUMN sending_domain text;

-- Whether `p_domain`'s bounces table holds the address: a hard or soft bounce sent from
-- that domain, or from none named (global), since the address's latest manual change
-- (p_since) and after that domain's last clear; an address bounced with no such event
-- left (a manual change, or pruned history) is held by every domain until cleared there.
CREATE FUNCTION bounceflow_domain_holds(
    p_email text, p_domain text, p_since timestamptz, p_changed timestamptz
) RETURNS boolean LANGUAGE sql STABLE AS $$
SELECT COALESCE(
    (SELECT max(e.occurred_at) FROM events e
     WHERE e.email = p_email AND e.kind IN ('hard', 'soft') AND e.occurred_at > p_since
       AND (e.sending_domain = p_domain OR e.sending_domain IS NULL)),
    CASE WHEN NOT EXISTS (SELECT 1 FROM events e WHERE e.email = p_email
                          AND e.kind IN ('hard', 'soft') AND e.occurred_at > p_since)
         THEN p_changed END
) > COALESCE((SELECT c.cleared_at FROM domain_bounce_clears c
              WHERE c.email = p_email AND c.sending_domain = p_domain), '-infinity')
$$;
