import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Config } from '../config/config.js';
import type { Logger } from '../common/logger.js';
import { serverContext, type CliStores } from './context.js';
import { buildProgram, runProgram } from './program.js';
import { cliRequest, LOCAL_ONLY_COMMANDS, MAX_REQUEST_BYTES, readAll, socketPath, type CliReply } from './socket-protocol.js';

/** Runs one handed-over command against the server's own stores; output captured. */
export async function runHandedOver(config: Config, stores: CliStores, logger: Logger, raw: string): Promise<CliReply> {
  const parsed = cliRequest.safeParse(JSON.parse(raw));
  if (!parsed.success) return { code: 2, stdout: '', stderr: 'latchkey: malformed request\n' };
  const { argv, cwd, password } = parsed.data;
  if (argv[0] && LOCAL_ONLY_COMMANDS.has(argv[0])) {
    return { code: 2, stdout: '', stderr: `latchkey: ${argv[0]} cannot run while Latchkey is running (pid ${process.pid})\n` };
  }
  const ctx = serverContext(config, stores, { cwd, ...(password !== undefined ? { password } : {}) });
  const code = await runProgram(buildProgram(ctx), ctx, argv, (err) => {
    logger.error({ err, command: argv.slice(0, 2).join(' ') }, 'CLI command failed');
    return 'the command failed inside the running Latchkey: see its log';
  });
  logger.info({ command: argv.slice(0, 2).join(' '), code }, 'CLI command run for a local caller');
  return { code, stdout: ctx.stdout(), stderr: ctx.stderr() };
}

const IDLE_TIMEOUT_MS = 30_000;
const CLOSE_GRACE_MS = 10_000;

/**
 * Listens on <dataDir>/latchkey.sock for commands from `latchkey` run beside this
 * embedded server. The data directory is made owner-only first, so no other user can
 * reach the socket even in the instant before its own mode is set; the caller holds
 * the data directory's lock, so a socket file left there is stale.
 */
export async function listenForCli(config: Config, stores: CliStores, logger: Logger): Promise<{ close(): Promise<void> }> {
  const path = socketPath(config.dataDir);
  chmodSync(config.dataDir, 0o700);
  try {
    unlinkSync(path);
  } catch {
    // none left over
  }
  // Connections, and those of them still sending their request: at close these hand
  // over nothing and go at once, rather than hold the stop until their idle timeout.
  const open = new Set<Socket>();
  const reading = new Set<Socket>();
  // Half-open: the caller ends its side to mark the end of the request, then reads the reply.
  const server: Server = createServer({ allowHalfOpen: true }, (conn: Socket) => {
    open.add(conn);
    reading.add(conn);
    conn.once('close', () => {
      open.delete(conn);
      reading.delete(conn);
    });
    conn.setTimeout(IDLE_TIMEOUT_MS, () => conn.destroy());
    conn.on('error', () => {});
    readAll(conn, MAX_REQUEST_BYTES)
      .then((raw) => {
        // Read: a command may run longer than a silent caller may idle.
        reading.delete(conn);
        conn.setTimeout(0);
        return runHandedOver(config, stores, logger, raw);
      })
      .catch((): CliReply => ({ code: 2, stdout: '', stderr: 'latchkey: malformed or oversized request\n' }))
      .then((reply) => conn.end(JSON.stringify(reply)));
  });
  server.maxConnections = 8;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  server.unref();
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      reading.forEach((conn) => conn.destroy());
      // Commands under way finish and their answers leave (each connection then closes),
      // within the bound HTTP requests get at a stop (main.ts). Past it the connections go,
      // and a command still running meets closed stores: it fails, its transaction undone.
      let cutOff: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (cutOff = setTimeout(resolve, CLOSE_GRACE_MS).unref()));
      await Promise.race([closed, late]);
      clearTimeout(cutOff);
      open.forEach((conn) => conn.destroy());
      await closed;
    },
  };
}
