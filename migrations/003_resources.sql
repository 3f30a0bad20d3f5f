-- API resources (RFC 8707): a token requested with `resource=<indicator>` is audienced
-- to it, carries only its scopes, and is a JWT (RFC 9068) unless the resource says opaque.
CREATE TABLE resources (
  indicator text PRIMARY KEY,
  name text NOT NULL,
  scopes text[] NOT NULL,
  token_format text NOT NULL DEFAULT 'jwt' CHECK (token_format IN ('jwt', 'opaque')),
  access_token_ttl integer NOT NULL DEFAULT 600 CHECK (access_token_ttl > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
