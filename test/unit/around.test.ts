import assert from 'node:assert/strict';
import { test } from 'node:test';
import compose from 'koa-compose';
import type { Context, Middleware } from 'koa';
import { around, type Around } from '../../src/http/around.js';

// What each of three layers does in a scenario.
interface Plan {
  enterThrows: boolean;
  failed: 'none' | 'handles' | 'handles-later' | 'throws-other';
  leaveThrows: boolean;
  leaveLater: boolean;
}

function hooks(name: string, plan: Plan, log: string[]): Around {
  const layer: Around = {
    enter() {
      log.push(`${name}.enter`);
      if (plan.enterThrows) throw new Error(`${name}.enter`);
    },
    leave() {
      log.push(`${name}.leave`);
      if (plan.leaveThrows) throw new Error(`${name}.leave`);
      if (plan.leaveLater) return new Promise<void>((resolve) => setImmediate(resolve)).then(() => void log.push(`${name}.left`));
    },
    done() {
      log.push(`${name}.done`);
    },
  };
  if (plan.failed === 'handles') layer.failed = (_ctx, err) => void log.push(`${name}.failed(${(err as Error).message})`);
  if (plan.failed === 'handles-later') {
    layer.failed = async (_ctx, err) => {
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`${name}.failed-later(${(err as Error).message})`);
    };
  }
  if (plan.failed === 'throws-other') {
    layer.failed = () => {
      log.push(`${name}.failed-throws`);
      throw new Error(`${name}.failed`);
    };
  }
  return layer;
}

// The same hooks written as the nested async middleware Around's comment says they behave as.
function nested(layer: Around): Middleware {
  return async (ctx, next) => {
    layer.enter?.(ctx);
    try {
      try {
        await next();
      } catch (err) {
        if (!layer.failed) throw err;
        await layer.failed(ctx, err);
      }
      await layer.leave?.(ctx);
    } finally {
      layer.done?.(ctx);
    }
  };
}

async function outcome(middleware: Middleware, innerThrows: boolean, log: string[]): Promise<string> {
  const inner: Middleware = async () => {
    log.push('inner');
    if (innerThrows) throw new Error('inner');
  };
  try {
    await compose([middleware, inner])({} as Context, async () => {});
    return 'ok';
  } catch (err) {
    return `threw ${(err as Error).message}`;
  }
}

function* plans(): Generator<Plan> {
  for (const enterThrows of [false, true])
    for (const failed of ['none', 'handles', 'handles-later', 'throws-other'] as const)
      for (const leaveThrows of [false, true]) for (const leaveLater of [false, true]) yield { enterThrows, failed, leaveThrows, leaveLater };
}

test('around() runs every combination of hooks exactly as the nested middleware would: same calls, same order, same outcome', async () => {
  const all = [...plans()];
  let compared = 0;
  // Three layers, each taking a plan; a stride through the combinations keeps it quick yet covers every plan in every position.
  for (let i = 0; i < all.length; i++) {
    for (const innerThrows of [false, true]) {
      const chosen = [all[i]!, all[(i * 7 + 3) % all.length]!, all[(i * 13 + 5) % all.length]!];
      const foldedLog: string[] = [];
      const nestedLog: string[] = [];
      const folded = await outcome(around(chosen.map((plan, n) => hooks(`L${n}`, plan, foldedLog))), innerThrows, foldedLog);
      const expected = await outcome(
        compose(chosen.map((plan, n) => nested(hooks(`L${n}`, plan, nestedLog)))),
        innerThrows,
        nestedLog,
      );
      assert.deepEqual(foldedLog, nestedLog, `calls for ${JSON.stringify({ chosen, innerThrows })}`);
      assert.equal(folded, expected, `outcome for ${JSON.stringify({ chosen, innerThrows })}`);
      compared++;
    }
  }
  assert.equal(compared, 64);
});

test('around() hands a thrown undefined to the outer layer as undefined', async () => {
  const seen: unknown[] = [];
  const layers: Around[] = [{ failed: (_ctx, err) => void seen.push(err) }, { done: () => void seen.push('done') }];
  await compose([
    around(layers),
    () => {
      throw undefined;
    },
  ])({} as Context, async () => {});
  assert.deepEqual(seen, ['done', undefined]);
});
