-- The browser's User-Agent on audit events (sign-in success and failure, lockout,
-- step-up), truncated to 512 characters by src/audit/audit-log.ts. Never a secret.
ALTER TABLE audit_events ADD COLUMN user_agent text;
