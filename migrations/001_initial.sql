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

-- Registered clients. The secret is kept only as a SHA-256 hash; `metadata` is the
-- oidc-provider client metadata without any secret.
CREATE TABLE clients (
  client_id text PRIMARY KEY,
  name text NOT NULL,
  secret_hash text,
  third_party boolean NOT NULL DEFAULT false,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

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
