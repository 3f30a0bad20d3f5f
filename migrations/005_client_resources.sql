-- Per-client API authorization (RFC 8707 resources): a client may obtain tokens only for
-- the resources granted to it here, and on each only the scopes listed. Until now any
-- client could ask for any registered resource, limited only by one flat scope list.
CREATE TABLE client_resources (
  client_id text NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
  indicator text NOT NULL REFERENCES resources(indicator) ON DELETE CASCADE,
  scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, indicator)
);

-- The consent page shows what each API scope allows, in the operator's words.
ALTER TABLE resources ADD COLUMN scope_descriptions jsonb NOT NULL DEFAULT '{}';

-- Existing clients keep what they could do: every registered resource sharing a scope
-- with the client's flat list is granted with those scopes.
INSERT INTO client_resources (client_id, indicator, scopes)
SELECT c.client_id, r.indicator, ARRAY(SELECT s FROM unnest(r.scopes) AS s WHERE s = ANY (c.scopes))
FROM clients c CROSS JOIN resources r
WHERE c.scopes && r.scopes;

-- clients.scopes now holds the OpenID scopes only; API scopes live in client_resources.
UPDATE clients SET scopes = ARRAY(SELECT s FROM unnest(scopes) AS s WHERE s IN ('openid', 'offline_access', 'email', 'profile'));
