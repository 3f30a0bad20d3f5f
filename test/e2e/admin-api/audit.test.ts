import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { adminApiSuite } from './setup.js';

adminApiSuite('admin API: audit log', (c) => {
  test('filter by account, client, type and time; keyset cursor never skips or repeats; JSON lines export', async () => {
    const { token } = await c.automation();
    const audit = createAuditLog(c.open.db);
    // Many events in the same millisecond: the cursor must still order them exactly.
    for (let i = 0; i < 7; i++) await audit.record({ type: 'test.event', accountId: 'acct-audit', detail: { i } });
    await audit.record({ type: 'test.other', accountId: 'acct-audit', clientId: 'client-audit' });
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.api('GET', `/audit?accountId=acct-audit&type=test.event&limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token });
      assert.equal(page.status, 200);
      seen.push(...page.body.items.map((e: { detail: { i: number } }) => e.detail.i));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [6, 5, 4, 3, 2, 1, 0], 'newest first, each once');
    const byClient = await c.api('GET', '/audit?clientId=client-audit', { token });
    assert.deepEqual(byClient.body.items.map((e: { type: string }) => e.type), ['test.other']);
    const future = await c.api('GET', `/audit?accountId=acct-audit&since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`, { token });
    assert.equal(future.body.items.length, 0);
    const past = await c.api('GET', `/audit?accountId=acct-audit&until=2000-01-01T00:00:00Z`, { token });
    assert.equal(past.body.items.length, 0);
    assert.equal((await c.api('GET', '/audit?since=yesterday', { token })).status, 400);

    const exported = await c.api('GET', '/audit/export?accountId=acct-audit', { token });
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type')!, /^application\/x-ndjson/);
    const lines = (exported.body as string).trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.equal(lines.length, 8);
    assert.equal(lines[0]!.type, 'test.other');
  });

  test('the per-client rate limit answers 429 with Retry-After, as a problem', async () => {
    const { token } = await c.automation('admin:audit:read');
    let last = 0;
    for (let i = 0; i < 30 && last !== 429; i++) last = (await c.api('GET', '/audit?limit=1', { token })).status;
    assert.equal(last, 429);
    const res = await c.api('GET', '/audit?limit=1', { token });
    assert.equal(res.body.code, 'rate_limited');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    // Another client has its own budget.
    assert.equal((await c.api('GET', '/audit?limit=1', { token: (await c.automation('admin:audit:read')).token })).status, 200);
  });
}, { LATCHKEY_RATE_LIMIT_ADMIN_API: '20/60' });
