-- A disabled account cannot sign in (password or passkey) and is unknown to tokens and
-- userinfo; disabling also revokes its sessions, grants and tokens. `latchkey user
-- enable` clears it.
ALTER TABLE accounts ADD COLUMN disabled_at timestamptz;
