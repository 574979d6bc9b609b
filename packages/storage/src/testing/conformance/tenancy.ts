import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, type ApiToken, type AuditEntry } from '@herald/core';
import { T0, SECOND, SECRET_A, SECRET_B, byteOrder, seed, type WithStore } from './fixtures.ts';

function apiToken(overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id: newId('tok', T0), kind: 'application', appId: 'app_x', scopes: ['read', 'write'], featureFlags: ['beta'],
    description: 'portal', tokenSha256: newId('tok').padEnd(64, '0'), expiresAt: T0 + 60 * SECOND, revokedAt: null,
    createdAt: T0, lastUsedAt: null, ...overrides,
  };
}

function auditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: newId('audit', T0), at: T0, actorKind: 'organisation', actorTokenId: 'tok_1', method: 'POST',
    route: '/api/v1/app/:app_id/endpoint', resourceIds: { app_id: 'app_1', id: 'ep_1' }, status: 201, ...overrides,
  };
}

export function tenancySuite(withStore: WithStore): void {
  describe('API tokens, audit log and secret rewriting', () => {
    test('a stored token is found by its hash and by its id, exactly as it was stored', withStore(async (store) => {
      const token = apiToken();
      await store.createApiToken(token);
      assert.deepEqual(await store.getApiTokenByHash(token.tokenSha256), token);
      assert.deepEqual(await store.getApiToken(token.id), token);
      assert.equal(await store.getApiTokenByHash('f'.repeat(64)), undefined);
    }));

    test('revoking keeps the first revocation time, touching records last use, and unknown ids say false', withStore(async (store) => {
      const token = apiToken({ kind: 'organisation', appId: null, expiresAt: null });
      await store.createApiToken(token);
      assert.equal(await store.revokeApiToken(token.id, T0 + SECOND), true);
      assert.equal(await store.revokeApiToken(token.id, T0 + 2 * SECOND), true);
      await store.touchApiToken(token.id, T0 + 3 * SECOND);
      const stored = await store.getApiToken(token.id);
      assert.equal(stored?.revokedAt, T0 + SECOND);
      assert.equal(stored?.lastUsedAt, T0 + 3 * SECOND);
      assert.equal(await store.revokeApiToken('tok_missing', T0), false);
    }));

    test('tokens list in id order, page by page', withStore(async (store) => {
      const tokens = [apiToken(), apiToken(), apiToken()];
      for (const token of tokens) await store.createApiToken(token);
      const ids = byteOrder(tokens.map((token) => token.id));
      const first = await store.listApiTokens({ limit: 2 });
      assert.deepEqual(first.data.map((token) => token.id), ids.slice(0, 2));
      const second = await store.listApiTokens({ limit: 2, iterator: first.iterator });
      assert.deepEqual(second.data.map((token) => token.id), ids.slice(2));
      assert.equal(second.done, true);
    }));

    test('audit entries are appended and read back as written, newest first', withStore(async (store) => {
      const entries = [auditEntry(), auditEntry({ actorKind: 'admin', actorTokenId: null, method: 'DELETE', status: 204 })];
      await store.appendAuditEntries(entries);
      const page = await store.listAuditEntries({ limit: 10, order: 'descending' });
      const newestFirst = byteOrder(entries.map((entry) => entry.id)).reverse();
      assert.deepEqual(page.data, newestFirst.map((id) => entries.find((entry) => entry.id === id)));
    }));

    test('rewriting endpoint secrets changes every stored key, current and retired, and counts changed endpoints', withStore(async (store) => {
      const { endpoints: [endpoint] } = await seed(store);
      await store.rotateEndpointSecret(endpoint!.id, SECRET_B, 60 * SECOND, T0);
      assert.equal(await store.rewriteEndpointSecrets((key) => `sealed:${key}`), 1);
      const keys = (await store.getEndpointSecrets(endpoint!.id, T0)).map((secret) => secret.key);
      assert.deepEqual(keys, [`sealed:${SECRET_B}`, `sealed:${SECRET_A}`]);
      assert.equal(await store.rewriteEndpointSecrets((key) => key), 0, 'unchanged values are not written');
    }));
  });
}
