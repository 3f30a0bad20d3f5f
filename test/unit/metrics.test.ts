import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIT_COUNTERS, createMetrics } from '../../src/ops/metrics.js';
import { routeLabel } from '../../src/ops/http-metrics.js';

test('route labels come from a fixed set: engine route names, page areas, else "other"', () => {
  assert.equal(routeLabel('/token', 'token', 200), 'token');
  assert.equal(routeLabel('/interaction/abc123/password', undefined, 303), 'interaction');
  assert.equal(routeLabel('/account/passkeys/xyz', undefined, 200), 'account');
  assert.equal(routeLabel('/', undefined, 200), 'home');
  assert.equal(routeLabel('/wp-login.php', undefined, 404), 'other');
  assert.equal(routeLabel('/account/anything-at-all', undefined, 404), 'other', 'a 404 under a page prefix is not that page');
  assert.equal(routeLabel('/x', '/raw/path', 200), 'other', 'only name-shaped engine routes');
});

test('audit events turn into counters by the documented map; unknown types count nothing', async () => {
  const metrics = createMetrics();
  for (const type of ['login.failed', 'account.locked', 'passkey.wrong_account', 'passkey.renamed', 'client.created', 'refresh_token.reused', 'refresh_token.reused_in_grace', 'refresh_token.reused']) {
    metrics.observeAudit({ type });
  }
  const text = (await metrics.scrape()).body;
  assert.match(text, /^latchkey_sign_ins_total\{method="password",outcome="failure"\} 1$/m);
  assert.match(text, /^latchkey_sign_ins_total\{method="password",outcome="locked"\} 1$/m);
  assert.match(text, /^latchkey_sign_ins_total\{method="passkey",outcome="failure"\} 1$/m);
  assert.match(text, /^latchkey_lockouts_total 1$/m);
  assert.match(text, /^latchkey_refresh_token_reuse_total\{outcome="revoked"\} 2$/m);
  assert.match(text, /^latchkey_refresh_token_reuse_total\{outcome="graced"\} 1$/m);
  assert.ok(Object.keys(AUDIT_COUNTERS).every((type) => /^[a-z_]+\.[a-z_]+$/.test(type)));
});

test('an audit event is counted even when the database refuses its record', async () => {
  const { createAuditLog } = await import('../../src/audit/audit-log.js');
  const metrics = createMetrics();
  const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const db = { kind: 'postgres', query: () => Promise.reject(down), exec: () => Promise.reject(down), transaction: () => Promise.reject(down), close: async () => {} } as const;
  const audit = createAuditLog(db, { onRecord: (event) => metrics.observeAudit(event) });
  await assert.rejects(audit.record({ type: 'account.locked', accountId: 'acc_1' }), /ECONNREFUSED/, 'the caller still hears of the failure');
  const text = (await metrics.scrape()).body;
  assert.match(text, /^latchkey_lockouts_total 1$/m);
});

test('two Latchkeys in one process keep separate registries', async () => {
  const a = createMetrics();
  const b = createMetrics();
  a.lockouts.inc();
  assert.match((await a.scrape()).body, /^latchkey_lockouts_total 1$/m);
  assert.match((await b.scrape()).body, /^latchkey_lockouts_total 0$/m);
});

test('a scrape answers while the outbox cannot be counted: the depth is NaN and the failure counted', async () => {
  const metrics = createMetrics({
    outboxDepth: async () => {
      throw new Error('connection refused');
    },
  });
  // prom-client spells it "Nan"; Prometheus reads NaN in any case.
  assert.match((await metrics.scrape()).body, /^latchkey_mail_outbox_queued nan$/im);
  // The failure is counted during the scrape, so the next one shows it.
  assert.match((await metrics.scrape()).body, /^latchkey_store_errors_total\{store="database"\} 1$/m);
});
