-- Indexes found missing by test/integration/query-plans.test.ts (EXPLAIN on every hot
-- query over seeded tables): the audit retention sweep deletes by time alone, and the
-- operator's list of undeliverable mail reads failed rows only, both of which scanned
-- their whole (large, ever-refilled) table.
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX mail_outbox_failed_idx ON mail_outbox (created_at) WHERE status = 'failed';
