import type { Config } from '../config/config.js';
import { DEMO_CLIENT_ID } from '../demo/seed-demo.js';
import type { CliContext } from './context.js';

export const demoBaseUrl = (port: number) => `http://localhost:${port}`;

/**
 * The demo app beside Latchkey (`npm start`). It is a convenience: when it cannot start
 * (its port is busy) Latchkey keeps running and says so in one line.
 */
export async function startDemo(config: Config, port: number, ctx: CliContext): Promise<void> {
  const { startDemoRp } = await import('../../examples/demo-rp/app.js');
  try {
    const demo = await startDemoRp({ issuer: config.issuer, clientId: DEMO_CLIENT_ID, baseUrl: demoBaseUrl(port), port });
    demo.unref();
    ctx.out(`Demo app: ${demoBaseUrl(port)} (sign in, then open its "sensitive" page, which needs a passkey)\n`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `port ${port} is in use: set LATCHKEY_DEMO_PORT or --demo-port` : (err as Error).message;
    ctx.err(`latchkey: warning: the demo app did not start (${reason}); Latchkey runs without it\n`);
  }
}
