// Runs the example API next to Latchkey: `npm run example:resource-server` (steps and
// the variables it reads in README.md beside this file).
import { startResourceServer } from './app.js';

const env = process.env;
const missing = ['RS_CLIENT_ID', 'RS_CLIENT_SECRET'].filter((name) => !env[name]);
if (missing.length) {
  process.stderr.write(
    `resource-server: set ${missing.join(' and ')} (the introspecting client from ` +
      '`npm run latchkey -- client create … --can-introspect`; see examples/resource-server/README.md)\n',
  );
  process.exit(1);
}

const issuer = env.LATCHKEY_ISSUER ?? 'http://localhost:3000';
const audience = env.RS_AUDIENCE ?? 'https://api.example.com/reports';
const scopes = (env.RS_SCOPES ?? 'reports:read reports:write').split(/\s+/).filter(Boolean);
const port = Number(env.PORT ?? 8081);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`resource-server: PORT must be a port number, not ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}

try {
  await startResourceServer({
    issuer,
    audience,
    introspection: { clientId: env.RS_CLIENT_ID!, clientSecret: env.RS_CLIENT_SECRET! },
    scopes,
    serviceScope: env.RS_SERVICE_SCOPE ?? scopes[0] ?? 'reports:read',
    port,
  });
} catch (err) {
  process.stderr.write(`resource-server: cannot listen on port ${port}: ${(err as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(`Resource server for ${audience} on http://localhost:${port} (tokens from ${issuer})\n`);
