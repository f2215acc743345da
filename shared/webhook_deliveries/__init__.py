"""The delivery state machine of outgoing webhooks, used by the notifier and the API alike.

A delivery (one outbox message for one endpoint) is

    pending --claim--> pending + lease --attempt--> succeeded | pending (retry) | failed
        ^                                                        |            |
        +---------------- API retry / replay --------------------+------------+

- records.relay_batch: an outbox row becomes one pending delivery per subscribed
  enabled endpoint.
- claims: a due pending delivery is claimed as a lease (`locked_until`), fairly
  per endpoint; leases are renewed while a request is in flight and given back
  on shutdown.
- outcomes (pure): what an attempt's result means: succeeded, retry after a
  delay, failed (retries exhausted: the dead letter), or gone (410).
- records.record_batch: the attempt is stored and its outcome applied, by the
  lease holder only; an endpoint failing longer than
  BOUNCEFLOW_NOTIFIER_DISABLE_AFTER, or answering 410, is disabled.
- manual: retry one delivery, replay failed ones, enable/disable an endpoint
  (never a delivery in flight); re-queueing wakes the notifier.

No other module writes `status`, `locked_until`, `next_attempt_at`,
`schedule_start`, `enabled` or `disabled_reason`.
"""
