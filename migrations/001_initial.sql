-- Accounts: `id` is the opaque, stable `sub`; email is unique regardless of case.
CREATE TABLE accounts (
  id text PRIMARY KEY,
  email text NOT NULL,
  email_verified boolean NOT NULL DEFAULT false,
  name text NOT NULL DEFAULT '',
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_lower_key ON accounts (lower(email));

-- Registered clients. `metadata` is the oidc-provider client metadata, never with a
-- secret; `scopes` is every scope the client may ask for (OIDC and API scopes alike).
CREATE TABLE clients (
  client_id text PRIMARY KEY,
  name text NOT NULL,
  confidential boolean NOT NULL,
  third_party boolean NOT NULL DEFAULT false,
  can_introspect boolean NOT NULL DEFAULT false,
  scopes text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  disabled_at timestamptz
);

-- Client secrets: 256-bit random values stored only as SHA-256 (a random secret needs
-- no slow hash). Several may be active at once: rotation keeps the old one valid until
-- `expires_at` (the overlap window). `last_used_at` is written in batches.
CREATE TABLE client_secrets (
  id text PRIMARY KEY,
  client_id text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  secret_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX client_secrets_client_idx ON client_secrets (client_id);

-- Durable oidc-provider models (sessions, grants, refresh tokens…), one jsonb table.
-- `id_hash` is SHA-256 of the model id, so a dump holds no usable token or cookie.
CREATE TABLE oidc_models (
  model text NOT NULL,
  id_hash text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  uid text,
  account_id text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id_hash)
);
CREATE INDEX oidc_models_grant_id_idx ON oidc_models (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_models_uid_idx ON oidc_models (uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_models_account_idx ON oidc_models (account_id) WHERE model IN ('Session', 'Grant');
CREATE INDEX oidc_models_expires_at_idx ON oidc_models (expires_at) WHERE expires_at IS NOT NULL;

-- Signing keys (use = 'sig') and cookie-signing keys (use = 'cookie'). The private part
-- is AES-256-GCM encrypted with LATCHKEY_KEY_ENCRYPTION_KEY.
CREATE TABLE keys (
  kid text PRIMARY KEY,
  use text NOT NULL CHECK (use IN ('sig', 'cookie')),
  alg text,
  private_enc text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

-- Security-relevant events; never holds secrets, tokens or passwords.
CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  type text NOT NULL,
  account_id text,
  client_id text,
  ip text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_account_idx ON audit_events (account_id, at);
