-- The admin audit log (console and API) filters by client, by event type and by time,
-- newest first, and pages by (at, id) keyset: an index for each way in, so a page reads
-- only its own rows however large the table has grown (account_id has one since 001).
CREATE INDEX audit_events_at_idx ON audit_events (at, id);
CREATE INDEX audit_events_client_idx ON audit_events (client_id, at);
CREATE INDEX audit_events_type_idx ON audit_events (type, at);
-- User search: prefix and substring matches on the display name, case-insensitive.
CREATE INDEX accounts_lower_name_idx ON accounts (lower(name));
