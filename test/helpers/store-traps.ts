import type { Db } from '../../src/storage/db.js';
import type { EphemeralStore } from '../../src/storage/ephemeral-store.js';

/**
 * One-shot traps on the stores handed to Latchkey: a trap runs its action once, at its
 * point, and the request goes on (or fails) with the store as the action left it.
 */
export function createTraps() {
  let atSave: (() => Promise<void>) | undefined;
  let afterSql: { pattern: RegExp; action: () => Promise<void> } | undefined;

  function trappedDb(inner: Db): Db {
    return {
      kind: inner.kind,
      async query<Row>(text: string, params?: unknown[]) {
        const result = await inner.query<Row>(text, params);
        const trap = afterSql;
        if (trap?.pattern.test(text)) {
          afterSql = undefined;
          await trap.action();
        }
        return result;
      },
      exec: (sql) => inner.exec(sql),
      transaction: (fn) => inner.transaction((tx) => fn(trappedDb(tx))),
      close: () => inner.close(),
    };
  }

  return {
    db: trappedDb,
    ephemeral(inner: EphemeralStore): EphemeralStore {
      return {
        ...inner,
        adapterFor(model) {
          const adapter = inner.adapterFor(model);
          if (model !== 'AccessToken') return adapter;
          return {
            ...adapter,
            async upsert(...args) {
              const action = atSave;
              atSave = undefined;
              await action?.();
              return adapter.upsert(...args);
            },
          };
        },
      };
    },
    beforeAccessTokenSave(action: () => Promise<void>) {
      atSave = action;
    },
    afterStatement(pattern: RegExp, action: () => Promise<void>) {
      afterSql = { pattern, action };
    },
  };
}
