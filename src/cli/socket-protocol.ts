import { join } from 'node:path';
import { z } from 'zod';

/**
 * The CLI hands a command to a running embedded Latchkey over a Unix socket in its data
 * directory: one JSON request, then one JSON reply, each ended by closing that side.
 * Only the data directory's owner can reach it (directory 0700, socket 0600); it is
 * never a TCP port.
 */
export const socketPath = (dataDir: string): string => join(dataDir, 'latchkey.sock');

/** A command line is short; anything larger is refused unread. */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const MAX_REPLY_BYTES = 16 * 1024 * 1024;

/** Never run for someone else: the server is already serving, and migrates at start. */
export const LOCAL_ONLY_COMMANDS: ReadonlySet<string> = new Set(['serve', 'migrate']);

export const cliRequest = z.object({
  argv: z.array(z.string().max(8192)).max(256),
  /** Where relative paths on the command line (--jwks-file) are read from. */
  cwd: z.string().max(4096),
  /** The password read from the caller's prompt or stdin, for user create / set-password. */
  password: z.string().max(4096).optional(),
});
export type CliRequest = z.infer<typeof cliRequest>;

export const cliReply = z.object({ code: z.number().int(), stdout: z.string(), stderr: z.string() });
export type CliReply = z.infer<typeof cliReply>;

/** Reads a whole stream, refusing it once it passes `limit` bytes. */
export function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`more than ${limit} bytes`));
        stream.removeAllListeners('data');
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}
