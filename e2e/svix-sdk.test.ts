import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';

/** The official Svix SDK, unchanged, against a running Herald: the wire contract in practice. */
describe('the svix SDK works against Herald', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let svix: Svix;

  before(async () => {
    herald = await startTestHerald();
    receiver = await startReceiver();
    svix = new Svix(herald.token, { serverUrl: herald.url });
  });
  after(async () => {
    await herald.stop();
    await receiver.close();
  });

  const statusOf = async (promise: Promise<unknown>): Promise<number> => {
    try {
      await promise;
      return 200;
    } catch (error) {
      assert.ok(error instanceof ApiException, `expected ApiException, got ${String(error)}`);
      return error.code;
    }
  };

  test('health answers 204 with no body, which the SDK reads as success', async () => {
    assert.equal(await statusOf(svix.health.get()), 200, 'the SDK resolves (statusOf says 200 for any success)');
    // What the SDK saw, on the wire: the contract's 204 "no content", not merely some 2xx.
    const raw = await fetch(`${herald.url}/api/v1/health`);
    assert.equal(raw.status, 204);
    assert.equal(await raw.text(), '');
  });

  test('applications: create, get by id and uid, get-or-create, list, update, patch, delete', async () => {
    const created = await svix.application.create({ name: 'Shop', uid: 'shop-1', metadata: { team: 'a' } });
    assert.match(created.id, /^app_[0-9A-Za-z]{27}$/);
    assert.equal(created.uid, 'shop-1');
    assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));
    assert.equal((await svix.application.get('shop-1')).id, created.id);
    assert.equal((await svix.application.getOrCreate({ name: 'Other name', uid: 'shop-1' })).id, created.id);
    const fresh = await svix.application.getOrCreate({ name: 'Fresh', uid: 'shop-2' });
    assert.notEqual(fresh.id, created.id);
    assert.equal(await statusOf(svix.application.create({ name: 'Dup', uid: 'shop-1' })), 409);

    const updated = await svix.application.update(created.id, { name: 'Shop v2', uid: 'shop-1' });
    assert.equal(updated.name, 'Shop v2');
    const patched = await svix.application.patch(created.id, { metadata: { team: 'b' } });
    assert.deepEqual(patched.metadata, { team: 'b' });
    assert.equal(patched.name, 'Shop v2');

    const ids: string[] = [];
    let iterator: string | undefined;
    for (;;) {
      const page = await svix.application.list({ limit: 1, iterator });
      ids.push(...page.data.map((app) => app.id));
      if (page.done) break;
      iterator = page.iterator ?? undefined;
    }
    assert.ok(ids.includes(created.id) && ids.includes(fresh.id));
    assert.equal(new Set(ids).size, ids.length);

    await svix.application.delete(fresh.id);
    assert.equal(await statusOf(svix.application.get(fresh.id)), 404);
  });

  test('event types: create, get, list, update, patch, archive', async () => {
    await svix.eventType.create({ name: 'invoice.paid', description: 'An invoice was paid', schemas: { '1': { examples: [{ invoice: 'in_1' }] } } });
    await svix.eventType.create({ name: 'invoice.voided', description: 'Voided' });
    assert.equal((await svix.eventType.get('invoice.paid')).description, 'An invoice was paid');
    assert.equal(await statusOf(svix.eventType.create({ name: 'invoice.paid', description: 'again' })), 409);
    const names = (await svix.eventType.list({ limit: 250 })).data.map((type) => type.name);
    assert.ok(names.includes('invoice.paid') && names.includes('invoice.voided'));
    assert.equal((await svix.eventType.update('invoice.voided', { description: 'Voided!' })).description, 'Voided!');
    assert.equal((await svix.eventType.patch('invoice.voided', { deprecated: true })).deprecated, true);
    await svix.eventType.create({ name: 'tmp.event', description: 'temporary' });
    await svix.eventType.delete('tmp.event');
    assert.ok(!(await svix.eventType.list()).data.some((type) => type.name === 'tmp.event'));
    assert.ok((await svix.eventType.list({ includeArchived: true })).data.some((type) => type.name === 'tmp.event'));
  });

  test('endpoints: create, get, list, update, patch, headers, secret, rotate, stats, delete', async () => {
    const app = await svix.application.create({ name: 'Endpoints app' });
    const endpoint = await svix.endpoint.create(app.id, {
      url: receiver.url, description: 'main', filterTypes: ['invoice.paid'], channels: ['eu'], rateLimit: 100,
      uid: 'main-ep', metadata: { k: 'v' },
    });
    assert.match(endpoint.id, /^ep_/);
    assert.deepEqual(endpoint.filterTypes, ['invoice.paid']);
    assert.deepEqual(endpoint.channels, ['eu']);
    assert.equal(endpoint.rateLimit, 100);
    assert.equal((await svix.endpoint.get(app.id, 'main-ep')).id, endpoint.id);
    assert.equal((await svix.endpoint.list(app.id)).data.length, 1);
    assert.equal(await statusOf(svix.endpoint.create(app.id, { url: receiver.url, filterTypes: ['no.such.type'] })), 422);
    assert.equal(await statusOf(svix.endpoint.create(app.id, { url: 'ftp://example.com/x' })), 422);

    const updated = await svix.endpoint.update(app.id, endpoint.id, { url: receiver.url, description: 'updated', filterTypes: null, channels: null });
    assert.equal(updated.description, 'updated');
    assert.equal(updated.filterTypes ?? null, null);
    const patched = await svix.endpoint.patch(app.id, endpoint.id, { disabled: true });
    assert.equal(patched.disabled, true);
    await svix.endpoint.patch(app.id, endpoint.id, { disabled: false });

    await svix.endpoint.updateHeaders(app.id, endpoint.id, { headers: { 'X-Tenant': 'acme', Authorization: 'Bearer hidden' } });
    await svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { 'X-Extra': '1' } });
    const headers = await svix.endpoint.getHeaders(app.id, endpoint.id);
    assert.deepEqual(headers.headers, { 'X-Tenant': 'acme', 'X-Extra': '1' });
    assert.deepEqual(headers.sensitive, ['Authorization']);

    const secret = await svix.endpoint.getSecret(app.id, endpoint.id);
    assert.match(secret.key, /^whsec_[A-Za-z0-9+/=]{32,}$/);
    await svix.endpoint.rotateSecret(app.id, endpoint.id, {});
    const rotated = await svix.endpoint.getSecret(app.id, endpoint.id);
    assert.notEqual(rotated.key, secret.key);
    const chosen = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
    await svix.endpoint.rotateSecret(app.id, endpoint.id, { key: chosen });
    assert.equal((await svix.endpoint.getSecret(app.id, endpoint.id)).key, chosen);

    const stats = await svix.endpoint.getStats(app.id, endpoint.id);
    assert.deepEqual([stats.success, stats.fail, stats.pending, stats.sending], [0, 0, 0, 0]);

    await svix.endpoint.delete(app.id, endpoint.id);
    assert.equal(await statusOf(svix.endpoint.get(app.id, endpoint.id)), 404);
  });

  test('messages: create, deliver signed, get, list; attempts by endpoint and by message; resend; destinations', async () => {
    const app = await svix.application.create({ name: 'Messages app', uid: 'messages-app' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.url, filterTypes: ['invoice.paid'] });
    const secret = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
    const before = receiver.requests.length;

    const message = await svix.message.create('messages-app', { eventType: 'invoice.paid', eventId: 'evt-1', payload: { amount: 100 } });
    assert.match(message.id, /^msg_/);
    assert.deepEqual(message.payload, { amount: 100 });
    await svix.message.create(app.id, { eventType: 'invoice.voided', payload: { ignored: true } });
    assert.equal(await statusOf(svix.message.create(app.id, { eventType: 'invoice.paid', eventId: 'evt-1', payload: {} })), 409);

    const [delivered] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(delivered!.headers['webhook-id'], message.id);
    assert.deepEqual(new Webhook(secret).verify(delivered!.body, delivered!.headers), { amount: 100 });

    assert.equal((await svix.message.get(app.id, message.id)).eventId, 'evt-1');
    assert.equal((await svix.message.get(app.id, 'evt-1')).id, message.id);
    const listed = await svix.message.list(app.id, { eventTypes: ['invoice.paid'] });
    assert.deepEqual(listed.data.map((m) => m.id), [message.id]);

    const attempts = await eventually(async () => {
      const page = await svix.messageAttempt.listByMsg(app.id, message.id);
      return page.data.length > 0 ? page.data : undefined;
    });
    assert.equal(attempts[0]!.responseStatusCode, 200);
    assert.equal(attempts[0]!.status, 0);
    assert.equal(attempts[0]!.endpointId, endpoint.id);
    const byEndpoint = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
    assert.equal(byEndpoint.data[0]!.id, attempts[0]!.id);
    const one = await svix.messageAttempt.get(app.id, message.id, attempts[0]!.id);
    assert.equal(one.response, 'ok');

    const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, message.id);
    assert.equal(destinations.data[0]!.id, endpoint.id);
    assert.equal(destinations.data[0]!.status, 0);
    const attempted = await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id);
    assert.equal(attempted.data[0]!.id, message.id);

    await svix.messageAttempt.resend(app.id, message.id, endpoint.id);
    const resent = await receiver.waitFor(before + 2);
    assert.equal(resent[before + 1]!.headers['webhook-id'], message.id);
    await eventually(async () => ((await svix.messageAttempt.listByMsg(app.id, message.id)).data.length === 2 ? true : undefined));
    const manual = (await svix.messageAttempt.listByMsg(app.id, message.id)).data[0]!;
    assert.equal(manual.triggerType, 1);

    const stats = await svix.endpoint.getStats(app.id, endpoint.id);
    assert.equal(stats.success, 1);
  });

  test('send-example and recover', async () => {
    const app = await svix.application.create({ name: 'Example app' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
    const before = receiver.requests.length;
    const example = await svix.endpoint.sendExample(app.id, endpoint.id, { eventType: 'invoice.paid' });
    assert.deepEqual(example.payload, { invoice: 'in_1' });
    const [received] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(received!.headers['webhook-id'], example.id);
    const recovered = await svix.endpoint.recover(app.id, endpoint.id, { since: new Date(Date.now() - 3_600_000) });
    assert.equal(recovered.status, 'finished');
  });

  test('errors come back as Svix error shapes the SDK understands', async () => {
    assert.equal(await statusOf(svix.application.get('app_doesnotexist')), 404);
    assert.equal(await statusOf(svix.message.create('no-such-app', { eventType: 'x', payload: {} })), 404);
    const unauthorised = new Svix('wrong-token-000000000000', { serverUrl: herald.url });
    assert.equal(await statusOf(unauthorised.application.list()), 401);
    try {
      await svix.application.create({ name: '' });
      assert.fail('expected a 422');
    } catch (error) {
      assert.ok(error instanceof ApiException);
      assert.equal(error.code, 422);
      const body = error.body as { detail: Array<{ loc: string[]; msg: string }> };
      assert.deepEqual(body.detail[0]!.loc, ['body', 'name']);
    }
  });
});
