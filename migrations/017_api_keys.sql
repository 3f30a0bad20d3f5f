-- Self-service API keys (src/clients/api-keys.ts): a machine client owned by an account.
-- Deleting the account deletes its keys (and with them their secrets and resource
-- grants, by the cascades of 001 and 005). While the owner is disabled the client is
-- unknown to the token endpoint (clients/metadata.ts providerMetadata).
ALTER TABLE clients ADD COLUMN owner_account_id text REFERENCES accounts (id) ON DELETE CASCADE;
CREATE INDEX clients_owner_idx ON clients (owner_account_id, created_at) WHERE owner_account_id IS NOT NULL;

-- The scopes of each API that users may put on their own API keys (the operator's
-- `latchkey resource create|update --user-delegable`); empty: none, the default.
ALTER TABLE resources ADD COLUMN user_delegable_scopes text[] NOT NULL DEFAULT '{}';
