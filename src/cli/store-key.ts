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
  let kek = config.keyEncryptionKey;
  if (!kek) {
    const file = join(config.dataDir, KEY_FILE_NAME);
    if (sealed && !existsSync(file)) {
      throw new AppError('keys.no_key_file', `this store's keys were sealed with LATCHKEY_KEY_ENCRYPTION_KEY, not with a key file (no ${file}): set it to the key Latchkey runs with`, {
        status: 500,
        expose: true,
      });
    }
    kek = loadOrCreateKeyFile(config.dataDir).key;
  }
  if (sealed) decryptKey(kek, sealed.private_enc, sealed.kid);
  return kek;
}
