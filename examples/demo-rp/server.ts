// Run next to Latchkey: `node --import tsx examples/demo-rp/server.ts` (npm start runs it
// for you). Uses the demo client Latchkey seeds on an empty store.
import { startDemoRp } from './app.js';

const issuer = process.env.LATCHKEY_ISSUER ?? 'http://localhost:3000';
const port = Number(process.env.DEMO_PORT ?? 3001);
await startDemoRp({
  issuer,
  clientId: process.env.DEMO_CLIENT_ID ?? 'latchkey-demo',
  ...(process.env.DEMO_CLIENT_SECRET ? { clientSecret: process.env.DEMO_CLIENT_SECRET } : {}),
  baseUrl: `http://localhost:${port}`,
  port,
});
process.stdout.write(`Demo app on http://localhost:${port} (signs in with ${issuer})\n`);
