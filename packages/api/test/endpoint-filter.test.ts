import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Svix } from 'svix';
import { apiClient, startReceiver, startTestHerald, type ApiCall, type Receiver, type TestHerald } from '@herald/testing';

/**
 * The `filter` extension on Svix's endpoint routes, over loopback HTTP. The svix SDK (1.x) drops
 * fields its models do not know, both ways, so the filter is set with plain requests; the SDK is used
 * for what it can do, and its updates (which cannot carry the field) must leave the filter alone.
 */
describe('outbound endpoint content filters (Herald extension)', () => {
  let herald: TestHerald;
  let svix: Svix;
  let call: ApiCall;
  let receiver: Receiver;
  const big = { total: { amount: { $gte: 10_000 } } };

  before(async () => {
    herald = await startTestHerald();
    svix = new Svix(herald.token, { serverUrl: herald.url, numRetries: 0 } as never);
    call = apiClient(herald.url, herald.token);
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    await herald.stop();
  });

  test('a filter is saved, shown, kept by an SDK update that cannot carry it, and cleared with null', async () => {
    const app = await svix.application.create({ name: 'filters' });
    const created = await call('POST', `/app/${app.id}/endpoint`, { url: receiver.url, filter: big });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.filter, big);
    assert.deepEqual((await call('GET', `/app/${app.id}/endpoint/${created.body.id}`)).body.filter, big);

    const plain = await svix.endpoint.create(app.id, { url: receiver.url, description: 'no filter' });
    assert.equal((await call('GET', `/app/${app.id}/endpoint/${plain.id}`)).body.filter, null);

    const updated = await svix.endpoint.update(app.id, created.body.id, { url: receiver.url, description: 'renamed' });
    assert.equal(updated.description, 'renamed');
    assert.deepEqual((await call('GET', `/app/${app.id}/endpoint/${created.body.id}`)).body.filter, big, 'PUT through the SDK keeps the filter');
    await svix.endpoint.patch(app.id, created.body.id, { description: 'patched' });
    assert.deepEqual((await call('GET', `/app/${app.id}/endpoint/${created.body.id}`)).body.filter, big, 'PATCH through the SDK keeps it too');

    const replaced = await call('PUT', `/app/${app.id}/endpoint/${created.body.id}`, { url: receiver.url, filter: { region: 'eu' } });
    assert.deepEqual(replaced.body.filter, { region: 'eu' });
    const cleared = await call('PATCH', `/app/${app.id}/endpoint/${created.body.id}`, { filter: null });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.filter, null);
    const listed = await call('GET', `/app/${app.id}/endpoint`);
    assert.ok(listed.body.data.every((endpoint: { filter: unknown }) => endpoint.filter === null));
  });

  test('a bad operator is a 422 that names it and where it is, on create, PUT and PATCH, and nothing is saved', async () => {
    const app = await svix.application.create({ name: 'bad filters' });
    const bad = { total: { amount: { $gtee: 10_000 } } };
    const refused = await call('POST', `/app/${app.id}/endpoint`, { url: receiver.url, filter: bad });
    assert.equal(refused.status, 422);
    const [detail] = refused.body.detail as Array<{ loc: string[]; msg: string; type: string }>;
    assert.deepEqual(detail!.loc, ['body', 'filter', 'total', 'amount', '$gtee']);
    assert.match(detail!.msg, /unknown operator \$gtee \(did you mean \$gte\?\)/);
    assert.equal((await svix.endpoint.list(app.id)).data.length, 0, 'no endpoint was created');

    const endpoint = await call('POST', `/app/${app.id}/endpoint`, { url: receiver.url, filter: big });
    for (const method of ['PUT', 'PATCH']) {
      const response = await call(method, `/app/${app.id}/endpoint/${endpoint.body.id}`, { url: receiver.url, filter: { tags: { $regex: '(a+)+' } } });
      assert.equal(response.status, 422, method);
      assert.deepEqual(response.body.detail[0].loc, ['body', 'filter', 'tags', '$regex']);
    }
    assert.deepEqual((await call('GET', `/app/${app.id}/endpoint/${endpoint.body.id}`)).body.filter, big, 'the saved filter stands');
  });

  test('editing an ingest endpoint through the Svix endpoint routes changes only its body condition, keeping its header filter', async () => {
    const ingest = async (method: string, path: string, json?: unknown) => {
      const response = await fetch(`${herald.url}/ingest/api/v1${path}`, {
        method, headers: { authorization: `Bearer ${herald.token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      return { status: response.status, body: await response.json() as Record<string, any> };
    };
    const source = await ingest('POST', '/source', { name: 'hooks', type: 'generic-webhook', config: {} });
    assert.equal(source.status, 201, JSON.stringify(source.body));
    const requestFilter = { headers: { 'x-event': 'push' }, body: { ref: 'main' } };
    const endpoint = await ingest('POST', `/source/${source.body.id}/endpoint`, { url: receiver.url, filter: requestFilter });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    const appPath = `/app/ingest-${source.body.id}/endpoint/${endpoint.body.id}`;

    assert.deepEqual((await call('GET', appPath)).body.filter, { ref: 'main' }, 'the Svix routes show the body section');
    assert.equal((await call('PATCH', appPath, { filter: { ref: 'dev' } })).status, 200);
    assert.deepEqual((await ingest('GET', `/source/${source.body.id}/endpoint/${endpoint.body.id}`)).body.filter,
      { headers: { 'x-event': 'push' }, body: { ref: 'dev' } });
    assert.equal((await call('PATCH', appPath, { filter: null })).status, 200);
    assert.deepEqual((await ingest('GET', `/source/${source.body.id}/endpoint/${endpoint.body.id}`)).body.filter,
      { headers: { 'x-event': 'push' } });
  });

  test('messages created with the SDK reach a filtered endpoint only when their payload matches; unfiltered endpoints get all', async () => {
    const app = await svix.application.create({ name: 'fan-out' });
    const [filtered, open] = await Promise.all([startReceiver(), startReceiver()]);
    after(() => Promise.all([filtered.close(), open.close()]));
    const withFilter = await call('POST', `/app/${app.id}/endpoint`, { url: filtered.url, filter: big });
    const withoutFilter = await svix.endpoint.create(app.id, { url: open.url });

    const small = await svix.message.create(app.id, { eventType: 'order.paid', payload: { total: { amount: 500 } } });
    const large = await svix.message.create(app.id, { eventType: 'order.paid', payload: { total: { amount: 25_000 } } });
    const missing = await svix.message.create(app.id, { eventType: 'order.paid', payload: { note: 'no total' } });

    const destinations = async (msgId: string) =>
      ((await call('GET', `/app/${app.id}/msg/${msgId}/endpoint`)).body.data as Array<{ id: string }>).map((ep) => ep.id).sort();
    assert.deepEqual(await destinations(small.id), [withoutFilter.id]);
    assert.deepEqual(await destinations(large.id), [withFilter.body.id, withoutFilter.id].sort());
    assert.deepEqual(await destinations(missing.id), [withoutFilter.id]);

    // The fan-out view: each endpoint with what its filter says and whether the message went there.
    const fanOut = (await call('GET', `/app/${app.id}/msg/${small.id}/fan-out`)).body.data as Array<Record<string, unknown>>;
    assert.deepEqual(fanOut.sort((a, b) => String(a.endpointId).localeCompare(String(b.endpointId))), [
      { endpointId: withFilter.body.id, outcome: 'filtered', reason: 'body.total.amount: expected $gte 10000, got 500', url: filtered.url, delivered: false },
      { endpointId: withoutFilter.id, outcome: 'matched', reason: null, url: open.url, delivered: true },
    ].sort((a, b) => a.endpointId.localeCompare(b.endpointId)));
    assert.equal((await call('GET', `/app/${app.id}/msg/msg_nope/fan-out`)).status, 404);

    await open.waitFor(3);
    await filtered.waitFor(1);
    assert.deepEqual(filtered.requests.map((request) => request.headers['webhook-id']), [large.id]);
  });
});
