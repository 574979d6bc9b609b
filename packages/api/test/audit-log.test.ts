import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bearerFetch, eventually, startTestHerald, type TestHerald } from '@herald/testing';

interface AuditRow {
  actor: { kind: string; tokenId: string | null };
  method: string;
  route: string;
  resourceIds: Record<string, string>;
  status: number;
}

describe('audit log', () => {
  let herald: TestHerald;
  const call = (path: string, token: string, method = 'GET', json?: unknown) => bearerFetch(herald.url + path, token, method, json);
  const auditLog = async () =>
    ((await (await call('/api/v1/audit-log?limit=250', herald.token)).json()) as { data: AuditRow[] }).data;

  before(async () => {
    herald = await startTestHerald();
  });
  after(() => herald.stop());

  test('every mutating call leaves a row naming who, what, which resources and the outcome; reads leave none', async () => {
    const app = (await (await call('/api/v1/app', herald.token, 'POST', { name: 'audited', uid: 'audited' })).json()) as { id: string };
    const portal = (await (await call(`/api/v1/auth/app-portal-access/${app.id}`, herald.token, 'POST', {})).json()) as { token: string };
    const endpoint = (await (await call(`/api/v1/app/${app.id}/endpoint`, portal.token, 'POST', { url: 'http://127.0.0.1:9/x' })).json()) as { id: string };
    assert.equal((await call(`/api/v1/app/audited/endpoint/${endpoint.id}`, portal.token, 'DELETE')).status, 204);
    assert.equal((await call('/api/v1/app/elsewhere', portal.token, 'DELETE')).status, 404);
    await call(`/api/v1/app/${app.id}/endpoint`, portal.token);

    const rows = await eventually(async () => {
      const log = await auditLog();
      return log.length >= 5 ? log : undefined;
    }, 5_000, 'five audit rows');
    const tokenId = rows.find((row) => row.actor.kind === 'application')?.actor.tokenId;
    assert.match(tokenId ?? '', /^tok_/);
    assert.deepEqual(rows.map((row) => [row.actor.kind, row.method, row.route, row.resourceIds, row.status]).reverse(), [
      ['admin', 'POST', '/api/v1/app', { id: app.id }, 201],
      ['admin', 'POST', '/api/v1/auth/app-portal-access/:app_id', { app_id: app.id }, 200],
      ['application', 'POST', '/api/v1/app/:app_id/endpoint', { app_id: app.id, id: endpoint.id }, 201],
      ['application', 'DELETE', '/api/v1/app/:app_id/endpoint/:endpoint_id', { app_id: 'audited', endpoint_id: endpoint.id }, 204],
      ['application', 'DELETE', '/api/v1/app/:app_id', { app_id: 'elsewhere' }, 404],
    ]);
    assert.ok(rows.filter((row) => row.actor.kind === 'application').every((row) => row.actor.tokenId === tokenId));
  });

  test('only the admin token reads the audit log, and no route changes it', async () => {
    const org = (await (await call('/api/v1/auth/token', herald.token, 'POST', { scopes: ['read', 'write'] })).json()) as { token: string };
    assert.equal((await call('/api/v1/audit-log', org.token)).status, 403);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      assert.equal((await call('/api/v1/audit-log', herald.token, method, method === 'DELETE' ? undefined : {})).status, 404, method);
    }
  });

  test('the audit table refuses updates and deletions even to a direct database connection', async () => {
    await eventually(async () => ((await auditLog()).length > 0 ? true : undefined), 5_000, 'an audit row');
    const db = new Database(join(herald.dataDir, 'herald.db'));
    try {
      assert.ok((db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n > 0);
      assert.throws(() => db.prepare("UPDATE audit_log SET status = 200").run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM audit_log').run(), /append-only/);
    } finally {
      db.close();
    }
  });
});
