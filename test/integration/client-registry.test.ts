import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { createSqlAdapter } from '../../src/adapters/sql-adapter.js';
import { createClientRegistry } from '../../src/clients/registry.js';
import type { ClientInput } from '../../src/clients/metadata.js';

const APP: ClientInput = {
  name: 'Registry test app',
  redirectUris: ['https://app.example.com/cb'],
  postLogoutRedirectUris: [],
  grantTypes: ['authorization_code', 'refresh_token'],
  scope: 'openid offline_access',
  public: false,
  thirdParty: false,
};

for (const backend of backends()) {
  describe(`client registry (${backend.name})`, () => {
    let open: OpenBackend;
    let now = new Date('2026-11-24T10:00:00Z');
    const registry = () => createClientRegistry(open.db, { clock: () => now });

    before(async () => {
      open = await backend.open();
    });
    after(async () => open?.close());

    test('deleting a client revokes its grants and refresh tokens through the adapters, no one else\'s', async () => {
      const mine = await registry().create(APP);
      const other = await registry().create(APP);
      const grants = createSqlAdapter(open.db, 'Grant');
      const refresh = createSqlAdapter(open.db, 'RefreshToken');
      await grants.upsert('g-mine', { jti: 'g-mine', clientId: mine.clientId, accountId: 'acc-1' }, 600);
      await refresh.upsert('rt-mine', { jti: 'rt-mine', clientId: mine.clientId, grantId: 'g-mine' }, 600);
      await grants.upsert('g-other', { jti: 'g-other', clientId: other.clientId, accountId: 'acc-1' }, 600);

      assert.equal(await registry().delete(mine.clientId), true);
      assert.equal(await grants.find('g-mine'), undefined);
      assert.equal(await refresh.find('rt-mine'), undefined);
      assert.equal((await grants.find('g-other'))?.clientId, other.clientId);
      assert.equal(await registry().show(mine.clientId), undefined);
      assert.equal(await registry().delete(mine.clientId), false);
    });

    test('the revocation lookup has its index (migrations/004)', async () => {
      const { rows } = await open.db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'oidc_models_client_idx'");
      assert.match(rows[0]?.indexdef ?? '', /payload ->> 'clientId'/);
    });

    test('rotation and revocation take their times from the clock', async () => {
      const app = await registry().create(APP);
      const rotated = await registry().rotateSecret(app.clientId, 3600, 86_400);
      const secrets = (await registry().show(app.clientId))!.secrets;
      const first = secrets.find((s) => s.id === app.secretId)!;
      const second = secrets.find((s) => s.id === rotated.secretId)!;
      assert.equal(first.expiresAt?.getTime(), now.getTime() + 3600_000, 'the old secret ends with the overlap');
      assert.equal(second.createdAt.getTime(), now.getTime());
      assert.equal(second.expiresAt?.getTime(), now.getTime() + 86_400_000);
      now = new Date(now.getTime() + 60_000);
      assert.equal(await registry().revokeSecret(app.clientId, rotated.secretId), true);
      assert.equal((await registry().show(app.clientId))!.secrets.find((s) => s.id === rotated.secretId)!.revokedAt?.getTime(), now.getTime());
    });

    test('secrets created, rotated and revoked, and clients disabled and deleted, are audit events that never hold a secret', async () => {
      const app = await registry().create(APP);
      const rotated = await registry().rotateSecret(app.clientId, 60);
      await registry().revokeSecret(app.clientId, app.secretId!);
      await registry().disable(app.clientId);
      await registry().delete(app.clientId);
      const { rows } = await open.db.query<{ type: string; detail: Record<string, unknown> }>(
        'SELECT type, detail FROM audit_events WHERE client_id = $1 ORDER BY id',
        [app.clientId],
      );
      assert.deepEqual(
        rows.map((r) => r.type),
        ['client.created', 'client_secret.created', 'client_secret.rotated', 'client_secret.revoked', 'client.disabled', 'client.deleted'],
      );
      assert.deepEqual(rows[2]!.detail, { secretId: rotated.secretId, overlapSeconds: 60 });
      const stored = JSON.stringify(rows);
      assert.ok(!stored.includes(app.clientSecret!) && !stored.includes(rotated.clientSecret), 'no secret in the audit log');
    });

    test('input and rotation errors are AppErrors with code client.invalid and the same messages', async () => {
      await assert.rejects(registry().create({ ...APP, grantTypes: ['password'] }), {
        code: 'client.invalid',
        status: 400,
        expose: true,
        message: 'grant type password is not supported (use authorization_code, refresh_token, client_credentials)',
      });
      await assert.rejects(registry().rotateSecret('nobody', 60), { code: 'client.invalid', message: 'no client with id nobody' });
      const spa = await registry().create({ ...APP, public: true, grantTypes: ['authorization_code'] });
      await assert.rejects(registry().rotateSecret(spa.clientId, 60), { message: `client ${spa.clientId} does not use a client secret` });
    });
  });
}
