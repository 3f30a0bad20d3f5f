import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../common/errors.js';

/** Another process holds the embedded store; the message tells the operator what to do. */
export class DataDirBusyError extends AppError {
  constructor(message: string) {
    super('storage.data_dir_busy', message, { status: 503, expose: true });
    this.name = 'DataDirBusyError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Embedded PGlite is single-process: two processes on one data directory would corrupt
 * it. A pid file turns that into a clear error; a stale file (dead pid) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'latchkey.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new DataDirBusyError(
          `Latchkey (pid ${holder}) is using the embedded store in ${dataDir}. Embedded storage is single-process: ` +
            'stop it first, or run with DATABASE_URL and REDIS_URL.',
        );
      }
      unlinkSync(path);
    }
  }
  throw new DataDirBusyError(`could not lock ${dataDir}`);
}
