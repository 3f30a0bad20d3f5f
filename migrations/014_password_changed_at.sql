-- When the password last changed (a reset, a change, the operator's set-password; not a
-- rehash). A sign-in still in progress whose password check is older than this cannot
-- finish (interactions/context.ts): a reset shuts out whoever held the old password,
-- even one paused at the passkey offer.
ALTER TABLE accounts ADD COLUMN password_changed_at timestamptz;
