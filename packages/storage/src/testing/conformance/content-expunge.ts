import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageStatus } from '@herald/core';
import { T0, SECOND, LEASE, isConflict, newApplication, seed, accept, result, applyResults, type WithStore } from './fixtures.ts';

/** Svix's expungeContent, for a message's payload and an attempt's response body. */
export function contentExpungeSuite(withStore: WithStore): void {
  describe('content expunge', () => {
    test('expunging a message empties its payload for good and stops the deliveries not yet made', withStore(async (store) => {
      const { app, endpoints: [sent, waiting] } = await seed(store, 2);
      const msg = await accept(store, app.id, [sent!.id], T0, { payload: '{"card":"4242 4242 4242 4242"}' });
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      assert.equal(claimed?.message.id, msg.id);
      await applyResults(store, [result(claimed!, { kind: 'retry', nextAttemptAt: T0 + SECOND }, T0)], T0);
      const other = await accept(store, app.id, [waiting!.id], T0, { payload: '{"keep":true}' });

      const stranger = await store.createApplication(newApplication(), T0);
      assert.equal(await store.expungeMessageContent(stranger.id, msg.id, T0), false, 'another application\'s message is absent');
      assert.equal((await store.getMessage(app.id, msg.id))?.payload, msg.payload);

      assert.equal(await store.expungeMessageContent(app.id, msg.id, T0 + 1), true);
      assert.equal((await store.getMessage(app.id, msg.id))?.payload, '{}', 'the payload reads as an empty object');
      assert.equal((await store.getMessage(app.id, other.id))?.payload, '{"keep":true}', 'other messages keep theirs');
      const [destination] = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data;
      assert.equal(destination?.status, MessageStatus.Fail, 'the retry that was due is stopped');
      const due = await store.claimDeliveries(10, LEASE, T0 + 10 * SECOND);
      assert.deepEqual(due.map((c) => c.message.id), [other.id], 'only the other message is still delivered');
      assert.equal(await store.expungeMessageContent(app.id, 'msg_absent', T0), false);
    }));

    test('a message whose payload was expunged is never sent again: resend is a conflict, recover skips it', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const gone = await accept(store, app.id, [endpoint!.id], T0);
      const kept = await accept(store, app.id, [endpoint!.id], T0);
      const claimed = await store.claimDeliveries(10, LEASE, T0);
      await applyResults(store, claimed.map((c) => result(c, { kind: 'failed' }, T0)), T0);
      assert.equal(await store.expungeMessageContent(app.id, gone.id, T0 + 1), true);
      await assert.rejects(store.resendMessage(app.id, gone.id, endpoint!.id, T0 + 2), isConflict);
      assert.equal(await store.recoverEndpoint(app.id, endpoint!.id, T0, null, T0 + 3), 1, 'only the message that kept its payload');
      const due = await store.claimDeliveries(10, LEASE, T0 + 3);
      assert.deepEqual(due.map((c) => c.message.id), [kept.id]);
    }));

    test('an attempt in flight when its message is expunged cannot put the delivery back', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const msg = await accept(store, app.id, [endpoint!.id], T0);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      assert.equal(await store.expungeMessageContent(app.id, msg.id, T0 + 1), true);
      const late = result(claimed!, { kind: 'retry', nextAttemptAt: T0 + SECOND }, T0 + 2);
      assert.deepEqual(await store.recordResults([late], T0 + 2), [false], 'the stale lease is fenced off');
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + LEASE + 10 * SECOND), []);
    }));

    test('expunging an attempt empties its response body and nothing else', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const msg = await accept(store, app.id, [endpoint!.id], T0);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      const done = result(claimed!, { kind: 'success' }, T0);
      await applyResults(store, [done], T0);
      const attempt = done.attempt!;
      const stranger = await store.createApplication(newApplication(), T0);
      assert.equal(await store.expungeAttemptContent(stranger.id, msg.id, attempt.id), false);
      assert.equal(await store.expungeAttemptContent(app.id, 'msg_other', attempt.id), false, 'the attempt must be of that message');
      assert.equal((await store.getAttempt(app.id, msg.id, attempt.id))?.response, 'ok');
      assert.equal(await store.expungeAttemptContent(app.id, msg.id, attempt.id), true);
      const stored = (await store.getAttempt(app.id, msg.id, attempt.id))!;
      assert.equal(stored.response, '');
      assert.equal(stored.responseStatusCode, attempt.responseStatusCode, 'the status and times stay');
      assert.equal((await store.getMessage(app.id, msg.id))?.payload, msg.payload, 'the message keeps its payload');
    }));
  });
}
