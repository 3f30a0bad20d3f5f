-- The admin role: an admin account can use the hosted admin console (/admin) after a
-- sign-in strong enough for it. Granted and revoked by the operator
-- (`latchkey user create --admin`, `user grant-admin`, `user revoke-admin`) or by
-- another admin; every change is an audit event.
ALTER TABLE accounts ADD COLUMN is_admin boolean NOT NULL DEFAULT false;
