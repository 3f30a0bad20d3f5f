import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { AppError } from '../common/errors.js';
import { decryptKey } from '../provider/keys.js';
import type { Db } from '../storage/db.js';
import { KEY_FILE_NAME, loadOrCreateKeyFile } from '../storage/key-file.js';

/**
 * The key-encryption key for a command that works on the store itself (no server runs to
 * hand it to): the one the server seals keys and one-time codes with, from
 * LATCHKEY_KEY_ENCRYPTION_KEY or else the embedded key file. It is tried on a key the
 * store already holds before anything is written, so a command run with another key (the
 * server had the variable and the shell has not, or the reverse) stops with one line
 * instead of sealing new keys, or signing an invitation, that the server cannot read;
 * and no key file is made beside a store whose keys were sealed without one.
 */
export async function storeKeyEncryptionKey(config: Config, db: Db): Promise<Buffer> {
  const { rows } = await db.query<{ kid: string; private_enc: string }>('SELECT kid, private_enc FROM keys ORDER BY created_at LIMIT 1');
  const sealed = rows[0];
  const file = join(config.dataDir, KEY_FILE_NAME);
  const refuse = (what: string) =>
    new AppError('keys.wrong_key_encryption_key', `${what} does not open this store's key ${sealed?.kid}: set LATCHKEY_KEY_ENCRYPTION_KEY to the key Latchkey runs with`, { status: 500, expose: true });
  if (!config.keyEncryptionKey && sealed && !existsSync(file)) throw refuse(`LATCHKEY_KEY_ENCRYPTION_KEY is not set and no key file (${file})`);
  const kek = config.keyEncryptionKey ?? loadOrCreateKeyFile(config.dataDir).key;
  if (sealed) {
    try {
      decryptKey(kek, sealed.private_enc, sealed.kid);
    } catch {
      throw refuse(config.keyEncryptionKey ? 'LATCHKEY_KEY_ENCRYPTION_KEY' : `the key file ${file}`);
    }
  }
  return kek;
}
