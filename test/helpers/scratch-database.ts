import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A Postgres database of its own for one suite (or bench run), dropped afterwards, so
 * nothing depends on leftovers. `adminUrl` names any database the role can connect to.
 */
export async function scratchDatabase(adminUrl: string, prefix = 'latchkey_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
