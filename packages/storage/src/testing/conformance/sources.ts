import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError, SecretBox, newId } from '@herald/core';
import { newSourceToken, sourceTokenHash, type InboundSource } from '../../inbound.ts';
import { resealEndpointSecrets, withSecretEncryption } from '../../secret-encryption.ts';
import { T0, SECOND, MINUTE, LEASE, isConflict, accept, newEndpoint, walkPages, type WithStore } from './fixtures.ts';
import { GITHUB_SECRET, byToken, createSource, newInboundRequest, newSource, randomToken, record } from './inbound-fixtures.ts';

const isNotFound = (error: unknown) => error instanceof HeraldError && error.code === 'not_found';

export function sourcesSuite(withStore: WithStore): void {
  describe('inbound sources', () => {
    test('a created source is returned with its fields, by id and by uid, with its backing application', withStore(async (store) => {
      const input = newSource({
        uid: 'gh', name: 'GitHub main', metadata: { team: 'infra' }, allowedCidrs: ['192.30.252.0/22'], rateLimit: 50,
        response: { status: 202, contentType: 'text/plain', body: 'thanks' }, dedupe: { from: 'body', path: 'data.id' },
      });
      const created = await store.createSource(input, newSourceToken(randomToken()), T0);
      const expected: InboundSource = { ...input, createdAt: T0, updatedAt: T0 };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.getSource(input.id), expected);
      assert.deepEqual(await store.getSource('gh'), expected);
      assert.equal(await store.getSource('nope'), undefined);
      const app = await store.getApplication(input.appId);
      assert.equal(app?.uid, `ingest-${input.id}`);
      assert.equal(app?.name, 'Ingest: GitHub main');
    }));

    test('a source whose uid is taken is a conflict and leaves no application behind', withStore(async (store) => {
      await createSource(store, { uid: 'gh' });
      const loser = newSource({ uid: 'gh' });
      await assert.rejects(store.createSource(loser, newSourceToken(randomToken()), T0), isConflict);
      assert.equal(await store.getApplication(loser.appId), undefined, 'the application was created in the same transaction');
      assert.equal((await store.listApplications({ limit: 10 })).data.length, 1);
    }));

    test('sources are listed in id order, page by page', withStore(async (store) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createSource(store, { name: `s${i}` })).source.id);
      const { keys } = await walkPages((page) => store.listSources(page), (s) => s.id, 2, 'ascending');
      assert.deepEqual(keys, [...ids].sort());
    }));

    test('updating a source changes the given fields and renames its application', withStore(async (store) => {
      const { source } = await createSource(store, { name: 'Before' });
      const updated = await store.updateSource(source.id, {
        name: 'After', disabled: true, config: { secret: 'new', previousSecret: GITHUB_SECRET }, allowedCidrs: null, uid: 'u',
      }, T0 + SECOND);
      assert.deepEqual(updated, {
        ...source, name: 'After', disabled: true, config: { secret: 'new', previousSecret: GITHUB_SECRET }, uid: 'u', updatedAt: T0 + SECOND,
      });
      assert.deepEqual(await store.getSource('u'), updated);
      assert.equal((await store.getApplication(source.appId))?.name, 'Ingest: After');
      await assert.rejects(store.updateSource(newId('src'), { name: 'x' }, T0), isNotFound);
      const other = await createSource(store, { uid: 'other' });
      await assert.rejects(store.updateSource(other.source.id, { uid: 'u' }, T0), isConflict);
    }));

    test('deleting a source deletes its application, endpoints, messages, tokens and requests', withStore(async (store) => {
      const { source, token } = await createSource(store);
      const kept = await createSource(store);
      const endpoint = await store.createEndpoint(newEndpoint(source.appId), T0);
      const message = await accept(store, source.appId, [endpoint.id], T0);
      const [request] = await record(store, [newInboundRequest(source.id, T0)], T0);
      const [keptRequest] = await record(store, [newInboundRequest(kept.source.id, T0)], T0);
      assert.equal(await store.deleteSource(source.id), true);
      assert.equal(await store.getSource(source.id), undefined);
      assert.equal(await store.getApplication(source.appId), undefined);
      assert.equal(await store.getEndpoint(source.appId, endpoint.id), undefined);
      assert.equal(await store.getMessage(source.appId, message.id), undefined);
      assert.equal(await byToken(store, token, T0), undefined);
      assert.deepEqual(await store.getSourceTokens(source.id, T0), []);
      assert.equal(await store.getInboundRequest(source.id, request!.id), undefined);
      assert.equal((await store.claimDeliveries(10, LEASE, T0)).length, 0, 'its deliveries went with it');
      assert.equal(await store.deleteSource(source.id), false);
      assert.equal((await store.getInboundRequest(kept.source.id, keptRequest!.id))?.id, keptRequest!.id, 'other sources keep theirs');
      assert.equal((await byToken(store, kept.token, T0))?.id, kept.source.id);
    }));

    test('a token finds its source by its hash; an unknown one finds nothing', withStore(async (store) => {
      const { source, token } = await createSource(store);
      assert.deepEqual(await byToken(store, token, T0), source);
      assert.deepEqual(await store.getSourceTokens(source.id, T0), [{ token, expiresAt: null }]);
      assert.equal(await byToken(store, randomToken(), T0), undefined);
      assert.equal(await store.findSourceByToken(token, T0), undefined, 'the plaintext is not a hash');
    }));

    test('a rotated-out token keeps working for the grace period only, and the new one is current', withStore(async (store) => {
      const { source, token: first } = await createSource(store);
      const second = randomToken();
      await store.rotateSourceToken(source.id, newSourceToken(second), MINUTE, T0 + SECOND);
      assert.deepEqual(await store.getSourceTokens(source.id, T0 + 2 * SECOND), [
        { token: second, expiresAt: null },
        { token: first, expiresAt: T0 + SECOND + MINUTE },
      ]);
      assert.equal((await byToken(store, first, T0 + MINUTE))?.id, source.id, 'within the grace period');
      assert.equal(await byToken(store, first, T0 + SECOND + MINUTE), undefined, 'the grace period is over');
      assert.equal((await byToken(store, second, T0 + 365 * 24 * 60 * MINUTE))?.id, source.id);

      // A second rotation shortens nothing that is already shorter, and keeps newest first.
      const third = randomToken();
      await store.rotateSourceToken(source.id, newSourceToken(third), 10 * MINUTE, T0 + 30 * SECOND);
      assert.deepEqual(await store.getSourceTokens(source.id, T0 + 31 * SECOND), [
        { token: third, expiresAt: null },
        { token: second, expiresAt: T0 + 30 * SECOND + 10 * MINUTE },
        { token: first, expiresAt: T0 + SECOND + MINUTE },
      ]);
      assert.deepEqual((await store.getSourceTokens(source.id, T0 + 2 * MINUTE)).map((t) => t.token), [third, second]);
      await assert.rejects(store.rotateSourceToken(newId('src'), newSourceToken(randomToken()), MINUTE, T0), isNotFound);
    }));

    test('a token belongs to one source: the same token twice is a conflict', withStore(async (store) => {
      const token = randomToken();
      await store.createSource(newSource(), newSourceToken(token), T0);
      await assert.rejects(store.createSource(newSource(), newSourceToken(token), T0), isConflict);
    }));

    test('source configs and tokens are sealed at rest, looked up without decryption, and resealed under a new key', withStore(async (store) => {
      const oldKey = SecretBox.generateKey();
      const newKey = SecretBox.generateKey();
      const sealed = withSecretEncryption(store, SecretBox.fromBase64([oldKey]));
      const token = randomToken();
      const input = newSource({ config: { secret: GITHUB_SECRET } });
      const created = await sealed.createSource(input, newSourceToken(token), T0);
      assert.deepEqual(created.config, { secret: GITHUB_SECRET });

      const atRest = async () => {
        const raw = JSON.stringify([await store.getSource(input.id), await store.getSourceTokens(input.id, T0)]);
        assert.equal(raw.includes(GITHUB_SECRET), false, 'the config secret is not stored in plaintext');
        assert.equal(raw.includes(token), false, 'the token is not stored in plaintext');
        return raw;
      };
      const before = await atRest();
      assert.equal((await sealed.findSourceByToken(sourceTokenHash(token), T0))?.config.secret, GITHUB_SECRET);
      assert.deepEqual(await sealed.getSourceTokens(input.id, T0), [{ token, expiresAt: null }]);
      const rotated = randomToken();
      await sealed.rotateSourceToken(input.id, newSourceToken(rotated), MINUTE, T0);
      await sealed.updateSource(input.id, { config: { secret: 'changed-' + GITHUB_SECRET } }, T0);
      await atRest();
      assert.equal((await sealed.getSource(input.id))?.config.secret, 'changed-' + GITHUB_SECRET);
      assert.equal((await sealed.listSources({ limit: 10 })).data[0]?.config.secret, 'changed-' + GITHUB_SECRET);
      await record(store, [newInboundRequest(input.id, T0)], T0);
      const [claimed] = await sealed.claimInboundRequests(10, LEASE, T0);
      assert.equal(claimed?.source.config.secret, 'changed-' + GITHUB_SECRET, 'the router gets the opened config');

      // A source written before encryption (plaintext) is sealed by the reseal too.
      const plain = await store.createSource(newSource({ config: { secret: 'plain-secret' } }), newSourceToken('plain-token-' + token), T0);
      const rekeyed = SecretBox.fromBase64([newKey, oldKey]);
      assert.ok(await resealEndpointSecrets(store, rekeyed) >= 4, 'two configs and three tokens were rewritten');
      assert.equal(await resealEndpointSecrets(store, rekeyed), 0, 'a second reseal has nothing to do');
      const onlyNew = withSecretEncryption(store, SecretBox.fromBase64([newKey]));
      assert.equal((await onlyNew.getSource(input.id))?.config.secret, 'changed-' + GITHUB_SECRET);
      assert.equal((await onlyNew.getSource(plain.id))?.config.secret, 'plain-secret');
      assert.deepEqual((await onlyNew.getSourceTokens(input.id, T0)).map((t) => t.token), [rotated, token]);
      assert.deepEqual((await onlyNew.getSourceTokens(plain.id, T0)).map((t) => t.token), ['plain-token-' + token]);
      assert.equal((await onlyNew.findSourceByToken(sourceTokenHash(rotated), T0))?.id, input.id);
      assert.notEqual(before, await atRest());
      assert.equal(JSON.stringify(await store.getSource(plain.id)).includes('plain-secret'), false);
    }));
  });
}
