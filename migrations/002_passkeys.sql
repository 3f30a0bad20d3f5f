-- WebAuthn credentials (passkeys). The credential id is globally unique: one
-- authenticator credential can never belong to two accounts.
CREATE TABLE passkeys (
  id text PRIMARY KEY,                       -- credential id, base64url
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  public_key bytea NOT NULL,                 -- COSE public key
  counter bigint NOT NULL DEFAULT 0,
  transports text[] NOT NULL DEFAULT '{}',
  aaguid text NOT NULL,
  backup_eligible boolean NOT NULL,          -- WebAuthn BE flag: can be synced → at most acr phr
  backup_state boolean NOT NULL,             -- WebAuthn BS flag: currently backed up
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX passkeys_account_idx ON passkeys (account_id);

-- When the user last declined the passkey offer after a password sign-in, so Latchkey
-- does not ask on every sign-in.
ALTER TABLE accounts ADD COLUMN passkey_offer_dismissed_at timestamptz;
