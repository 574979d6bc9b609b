import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, Svix } from 'svix';
import { apiClient, eventually, startReceiver, type ApiCall, type Receiver, type TestHerald } from '@herald/testing';
import { storageModes } from './support/storage-modes.ts';

/**
 * Svix's expungeContent for a message's payload and an attempt's response body, called through the
 * official SDK, in both storage modes: what was sent by mistake can be removed for good.
 */
const modes = await storageModes();

for (const mode of modes) {
  describe(`expunging content (${mode.name})`, () => {
    let herald: TestHerald;
    let receiver: Receiver;
    let call: ApiCall;
    let svix: Svix;
    before(async () => {
      herald = await mode.start();
      // The first delivery fails, so a retry is still due when the message is expunged.
      let deliveries = 0;
      receiver = await startReceiver(() => (++deliveries === 1 ? { status: 500, body: 'secret response body' } : { status: 200, body: 'ok' }));
      call = apiClient(herald.url, herald.token);
      svix = new Svix(herald.token, { serverUrl: herald.url });
    });
    after(async () => {
      await receiver.close();
      await herald.stop();
    });

    const statusOf = async (promise: Promise<unknown>): Promise<number> => {
      try {
        await promise;
        return 204;
      } catch (error) {
        assert.ok(error instanceof ApiException, String(error));
        return error.code;
      }
    };

    test('the payload and a response body go for good, the pending retry is stopped, resend and recover skip it, and other tenants\' ids are 404', async () => {
      const app = await svix.application.create({ name: 'expunge' });
      const stranger = await svix.application.create({ name: 'stranger' });
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
      const message = await svix.message.create(app.id, { eventType: 'card.saved', payload: { card: '4242 4242 4242 4242' } });
      const [attempt] = await eventually(async () => {
        const page = await svix.messageAttempt.listByMsg(app.id, message.id);
        return page.data.length > 0 ? page.data : undefined;
      }, 20_000, 'the first attempt');
      assert.equal(attempt!.response, 'secret response body');

      assert.equal(await statusOf(svix.messageAttempt.expungeContent(stranger.id, message.id, attempt!.id)), 404);
      assert.equal(await statusOf(svix.message.expungeContent(stranger.id, message.id)), 404);
      assert.equal(await statusOf(svix.messageAttempt.expungeContent(app.id, message.id, 'atmpt_absent')), 404);
      assert.equal(await statusOf(svix.message.expungeContent(app.id, 'msg_absent')), 404);

      await svix.messageAttempt.expungeContent(app.id, message.id, attempt!.id);
      const emptied = await svix.messageAttempt.get(app.id, message.id, attempt!.id);
      assert.equal(emptied.response, '');
      assert.equal(emptied.responseStatusCode, 500, 'the attempt itself stays');

      await svix.message.expungeContent(app.id, message.id);
      assert.deepEqual((await call('GET', `/app/${app.id}/msg/${message.id}`)).body.payload, {});
      const [destination] = (await call('GET', `/app/${app.id}/msg/${message.id}/endpoint`)).body.data;
      assert.equal(destination.statusText, 'fail', 'the retry that was due is stopped');
      assert.equal(await statusOf(svix.messageAttempt.resend(app.id, message.id, endpoint.id)), 409, 'an expunged message is never sent again');
      assert.equal((await call('POST', `/app/${app.id}/endpoint/${endpoint.id}/recover`, { since: new Date(0).toISOString() })).status, 202);

      // Proof that nothing more is sent: a message made after the retry would have been due (1 s after
      // the first attempt; the queue claims in due order) reaches the receiver, the expunged one never again.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const later = await svix.message.create(app.id, { eventType: 'card.saved', payload: { n: 2 } });
      await eventually(async () => receiver.requests.find((request) => request.headers['webhook-id'] === later.id), 20_000, 'the later message');
      assert.equal(receiver.requests.filter((request) => request.headers['webhook-id'] === message.id).length, 1, 'only the first attempt was sent');
    });
  });
}
