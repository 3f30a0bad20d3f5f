import { cookieSigner } from '../common/cookie-keys.js';
import type Provider from 'oidc-provider';
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Config } from '../config/config.js';
import { replaceSigningKeys } from './oidc-internals.js';
import { engineSigningKeys } from './local-signing-keys.js';
import type { Db } from '../storage/db.js';
import { keyPlan, planVersion, readKeyMaterial, KEY_COLUMNS, type KeyMaterial, type KeyRow } from './keys.js';
import { automaticActivateAfterSeconds, rotateKeys, rotationPolicy, type RotationPolicy, type RotationResult } from './key-rotation.js';

export interface KeyRefresherDeps {
  db: Db;
  kek: Buffer;
  clock: Clock;
  /** The version the running engine was built with. */
  initial: KeyMaterial;
  /** Hands changed keys to the engine (signing keys, published JWKS, cookie keys). */
  apply(material: KeyMaterial): void;
  reloadSeconds: number;
  /** LATCHKEY_KEY_ROTATION_DAYS: rotate by itself once the signing keys are this old. */
  rotationDays?: number | undefined;
  rotationPolicy(): Promise<RotationPolicy>;
  onRotated?(result: RotationResult): void;
  onError(err: unknown): void;
}

export interface KeyRefresher {
  /** Reads the keys table now (and rotates when due); true when the engine got new keys. */
  refresh(): Promise<boolean>;
  /** The version of the keys the engine holds now (changes whenever they change). */
  version(): string;
  start(): void;
  stop(): void;
}

/**
 * Every process reads the keys table every `reloadSeconds`: a key added by
 * `latchkey keys rotate` (from any process or the CLI) is published within one
 * interval, starts signing at its `activates_at`, and a retired key leaves /jwks, all
 * without a restart. Only a change of keys or order touches the engine; the private
 * parts are decrypted only then.
 */
export function createKeyRefresher(deps: KeyRefresherDeps): KeyRefresher {
  let version = deps.initial.version;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;

  async function once(): Promise<boolean> {
    const now = deps.clock();
    if (deps.rotationDays !== undefined) {
      const rotated = await rotateKeys(deps.db, deps.kek, now, await deps.rotationPolicy(), { onlyIfOlderThanDays: deps.rotationDays });
      if (rotated) deps.onRotated?.(rotated);
    }
    const { rows } = await deps.db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys`);
    const plan = keyPlan(rows, now);
    if (planVersion(plan) === version) return false;
    const material = await readKeyMaterial(deps.db, deps.kek, now);
    deps.apply(material);
    version = material.version;
    return true;
  }

  return {
    // One read at a time: a slow database must not pile up overlapping reloads.
    refresh: () => (running ??= once().finally(() => (running = undefined))),
    version: () => version,
    start() {
      timer = setInterval(() => {
        this.refresh().catch(deps.onError);
      }, deps.reloadSeconds * 1000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * Keeps a running provider on the keys table: new signing keys are published and, once
 * active, sign; cookie keys likewise (Koa reads `keys` for every request's cookies: first
 * signs, all verify). Started here; `stop` with the Latchkey.
 */
export function followKeys(
  provider: Provider,
  deps: { db: Db; kek: Buffer; clock: Clock; keys: KeyMaterial; config: Config; logger: Logger },
): KeyRefresher {
  const { db, config, logger } = deps;
  const refresher = createKeyRefresher({
    db,
    kek: deps.kek,
    clock: deps.clock,
    initial: deps.keys,
    apply(material) {
      replaceSigningKeys(provider, engineSigningKeys(material.jwks));
      provider.keys = cookieSigner(material.cookieKeys);
      logger.info({ kids: material.jwks.keys.map((k) => k.kid) }, 'signing keys changed');
    },
    reloadSeconds: config.keyRotation.reloadSeconds,
    rotationDays: config.keyRotation.intervalDays,
    rotationPolicy: () => rotationPolicy(db, config, automaticActivateAfterSeconds(config)),
    onRotated: (result) => logger.info({ added: result.added, retiring: result.retiring }, 'keys rotated (LATCHKEY_KEY_ROTATION_DAYS)'),
    onError: (err) => logger.warn({ err }, 'could not read the keys table'),
  });
  refresher.start();
  return refresher;
}
