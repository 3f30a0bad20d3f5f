-- Key rotation without downtime (src/provider/key-rotation.ts). A new key is published
-- (in /jwks, or accepted as a cookie key) at once and signs from `activates_at`
-- (NULL: from the start); `retired_at` may lie in the future: the key is published and
-- verifies until then, and is gone after. Retired rows stay: the oldest cookie key also
-- keys the DPoP nonces (src/provider/keys.ts).
ALTER TABLE keys ADD COLUMN activates_at timestamptz;
