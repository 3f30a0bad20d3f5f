-- The durable outbox for mail (src/mail/outbox.ts). Enqueueing is one INSERT in the
-- request; every Latchkey process drains due rows with FOR UPDATE SKIP LOCKED, so a
-- restart or an SMTP outage loses no mail and no mail goes out twice from a race.
--   queued: waiting for next_attempt_at (a claim moves it forward by a lease)
--   sent:   delivered; data is cleared, the row is pruned after the retention
--   failed: gave up after the maximum attempts; kept for the operator, data cleared
CREATE TABLE mail_outbox (
  id text PRIMARY KEY,
  template text NOT NULL,
  recipient text NOT NULL,
  -- The template's data (may hold a one-time code): cleared once the mail is sent or given up.
  data jsonb,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  -- The last delivery error (SMTP code and reply), never the message or a credential.
  last_error text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'queued';
CREATE INDEX mail_outbox_sent_idx ON mail_outbox (sent_at) WHERE status = 'sent';
