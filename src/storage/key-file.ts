import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownerOnlyDataDir } from './data-dir-lock.js';

export const KEY_FILE_NAME = 'key-encryption.key';

/**
 * Embedded mode only: a generated key-encryption key in the data directory, so a clone
 * starts with no setup. Returns `created: true` the first time, so the caller can warn
 * once that production should take the key from LATCHKEY_KEY_ENCRYPTION_KEY.
 */
export function loadOrCreateKeyFile(dataDir: string): { key: Buffer; created: boolean; path: string } {
  const path = join(dataDir, KEY_FILE_NAME);
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64url key`);
    return { key, created: false, path };
  }
  ownerOnlyDataDir(dataDir);
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, created: true, path };
}
