-- Emails are stored in their canonical form (src/accounts/email.ts: trim, NFKC, case
-- fold), so the unique index is on the column itself and lookups use it directly.
-- Existing rows are brought to the same form; lower() here matches the JS fold for the
-- addresses Latchkey has accepted so far.
UPDATE accounts SET email = lower(normalize(btrim(email), NFKC));
DROP INDEX accounts_email_lower_key;
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);
