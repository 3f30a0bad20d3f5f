-- Indexes found missing by test/integration/query-plans.test.ts (EXPLAIN on every hot
-- query over seeded tables): the operator's list of undeliverable mail reads failed rows
-- only, and scanned its whole (large, ever-refilled) table. (The audit retention sweep,
-- which deletes by time, uses 018's audit_events_at_idx on (at, id).)
CREATE INDEX mail_outbox_failed_idx ON mail_outbox (created_at) WHERE status = 'failed';
