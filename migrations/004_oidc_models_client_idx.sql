-- Deleting a client revokes its grants and refresh tokens (adapters/revoke-by-client.ts),
-- found by the payload's clientId; without this index that is a scan of every durable model.
CREATE INDEX oidc_models_client_idx ON oidc_models ((payload->>'clientId')) WHERE model IN ('Grant', 'RefreshToken');
