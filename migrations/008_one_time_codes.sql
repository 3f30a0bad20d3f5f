-- One-time codes and links (src/accounts/one-time-codes.ts): email verification, password
-- reset, proof for a first passkey, sign-up, invitations. Only an HMAC of the code is
-- stored. At most one live code per subject and purpose (a new code replaces the old
-- one in place); a code that was used, entered wrongly too often or replaced stays
-- dead: its row keeps `dead_at`, so typing it later never works.
CREATE TABLE one_time_codes (
  id bigserial PRIMARY KEY,
  -- An account id, or 'signup:' + a hash of the canonical email for a sign-up in progress.
  subject text NOT NULL,
  purpose text NOT NULL,
  code_hash text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  dead_at timestamptz
);
CREATE UNIQUE INDEX one_time_codes_live_key ON one_time_codes (subject, purpose) WHERE dead_at IS NULL;
CREATE INDEX one_time_codes_expires_idx ON one_time_codes (expires_at);

-- Ending everything an account holds (src/adapters/revoke-by-account.ts) finds its
-- refresh tokens by account; the index of 001 covers only sessions and grants.
CREATE INDEX oidc_models_account_tokens_idx ON oidc_models (account_id) WHERE model = 'RefreshToken';
