import { connect } from 'node:net';
import { cliReply, MAX_REPLY_BYTES, readAll, type CliReply } from './socket-protocol.js';

/**
 * Hands a command line to the Latchkey running on this data directory. Undefined when
 * none answers there (no socket, or one left by a stopped server): the caller then
 * works on the store itself.
 */
export function handOver(path: string, argv: string[], password: string | undefined): Promise<CliReply | undefined> {
  return new Promise((resolve, reject) => {
    const conn = connect(path);
    let connected = false;
    conn.once('error', (err: NodeJS.ErrnoException) => {
      if (!connected && (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')) resolve(undefined);
      else reject(new Error(`the running Latchkey did not answer: ${err.message}`));
    });
    conn.once('connect', () => {
      connected = true;
      conn.end(JSON.stringify({ argv, cwd: process.cwd(), ...(password !== undefined ? { password } : {}) }));
      readAll(conn, MAX_REPLY_BYTES)
        .then((raw) => resolve(cliReply.parse(JSON.parse(raw))))
        .catch(() => reject(new Error('the running Latchkey closed the connection without an answer: see its log')));
    });
  });
}
