import type { Db } from '../src/storage/db.js';

/**
 * 100,000 accounts (with the bench account's password hash, so a seeded row costs what a
 * real one does) and 10,000 clients with a secret each, in a few set-based statements
 * (generate_series), then ANALYZE so the planner sees the real sizes.
 */
export async function seedLarge(db: Db, accounts = 100_000, clients = 10_000): Promise<void> {
  const started = performance.now();
  await db.exec(`
    INSERT INTO accounts (id, email, name, password_hash, email_verified)
      SELECT 'seed' || i, 'seed' || i || '@example.com', 'User ' || i, (SELECT password_hash FROM accounts LIMIT 1), true
      FROM generate_series(1, ${accounts}) i;
    INSERT INTO clients (client_id, name, confidential, scopes, metadata)
      SELECT 'seed' || i, 'App ' || i, true, '{openid}',
        jsonb_build_object('client_id', 'seed' || i, 'grant_types', jsonb_build_array('client_credentials'), 'response_types', '[]'::jsonb, 'redirect_uris', '[]'::jsonb)
      FROM generate_series(1, ${clients}) i;
    INSERT INTO client_secrets (id, client_id, secret_hash)
      SELECT 'seed' || i, 'seed' || i, md5('seed' || i) FROM generate_series(1, ${clients}) i;
    ANALYZE;
  `);
  process.stdout.write(`  seeded ${accounts} accounts and ${clients} clients in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
