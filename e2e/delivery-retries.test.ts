import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { cleanupList, eventually, startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';

const OPS_SECRET = 'whsec_' + Buffer.alloc(24, 9).toString('base64');

/** Retries, Retry-After, 410 and exhaustion, end to end through real loopback receivers. */
describe('delivery retries and operational webhooks', () => {
  // Every cleanup runs even if another fails, so that a Herald or a server left running cannot hang the file.
  const cleanups = cleanupList();
  after(() => cleanups.run());

  async function setup(env: Record<string, string>) {
    const receiver = await startReceiver();
    const operator = await startReceiver();
    const herald = await startTestHerald({ HERALD_OPERATIONAL_WEBHOOK_URLS: operator.url, HERALD_OPERATIONAL_WEBHOOK_SECRET: OPS_SECRET, ...env });
    cleanups.add(() => herald.stop(), () => receiver.close(), () => operator.close());
    const svix = new Svix(herald.token, { serverUrl: herald.url });
    const app = await svix.application.create({ name: 'Retry app' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
    return { receiver, operator, herald, svix, app, endpoint };
  }

  /**
   * The positive that an absence is proved against. A control endpoint answers the first attempt of
   * each message with 429 and Retry-After, and takes the retry: its retry arriving shows that Herald
   * has sent everything that fell due before it, in Herald's own time, however loaded the machine.
   * (A fixed sleep in this process proves nothing when Herald has not got round to the work yet.)
   */
  async function controlEndpoint(svix: Svix, appId: string) {
    const control = await startReceiver();
    cleanups.add(() => control.close());
    let retryAfterSeconds = 1;
    control.respondWith((request) => (control.requests.filter((seen) => seen.headers['webhook-id'] === request.headers['webhook-id']).length === 1
      ? { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } }
      : { status: 200 }));
    await svix.endpoint.create(appId, { url: control.url });
    return {
      /** Sends a message and waits for its retry at the control, at least `seconds` after its first attempt. */
      async retriedAfter(seconds: number, app = appId): Promise<void> {
        retryAfterSeconds = seconds;
        const { id } = await svix.message.create(app, { eventType: 'control.tick', payload: {} });
        await eventually(() => (control.requests.filter((seen) => seen.headers['webhook-id'] === id).length === 2 || undefined),
          (seconds + 10) * 1_000, `the control's retry of ${id}`);
      },
    };
  }

  const operationalEvents = (operator: Receiver, type: string) =>
    operator.requests
      .map((request) => new Webhook(OPS_SECRET).verify(request.body, request.headers) as { type: string; data: Record<string, unknown> })
      .filter((event) => event.type === type);

  test('a receiver that fails twice then succeeds gets exactly three attempts on the configured schedule', async () => {
    // The third step is short, so that a wrongly scheduled fourth attempt would be due within 1.2 s.
    const { receiver, svix, app, endpoint } = await setup({ HERALD_RETRY_SCHEDULE: '1s,2s,1s' });
    receiver.respondWith((_request, count) => (count <= 2 ? { status: 500, body: 'boom' } : { status: 204 }));
    const message = await svix.message.create(app.id, { eventType: 'order.paid', payload: { n: 1 } });
    const requests = await receiver.waitFor(3, 15_000);
    await eventually(async () => ((await svix.messageAttempt.listByMsg(app.id, message.id)).data.length === 3 ? true : undefined));
    // A control in an app of its own (so this receiver gets none of its messages), retried 2 s after
    // its first attempt: by then a fourth attempt, due within 1.2 s of the third, would have come.
    const controlApp = await svix.application.create({ name: 'Control app' });
    await (await controlEndpoint(svix, controlApp.id)).retriedAfter(2);
    assert.equal(receiver.requests.length, 3);
    assert.ok(requests.every((request) => request.headers['webhook-id'] === message.id), 'same webhook-id on every retry');
    const gaps = [requests[1]!.receivedAt - requests[0]!.receivedAt, requests[2]!.receivedAt - requests[1]!.receivedAt];
    assert.ok(gaps[0]! >= 800, `first retry after ~1 s (jitter ±20%), got ${gaps[0]} ms`);
    assert.ok(gaps[1]! >= 1_600, `second retry after ~2 s (jitter ±20%), got ${gaps[1]} ms`);
    const attempts = (await svix.messageAttempt.listByEndpoint(app.id, endpoint.id)).data;
    assert.deepEqual(attempts.map((attempt) => attempt.responseStatusCode), [204, 500, 500]);
    assert.equal((await svix.messageAttempt.listAttemptedDestinations(app.id, message.id)).data[0]!.status, 0);
  });

  test('410 Gone disables the endpoint at once and tells the operator', async () => {
    const { receiver, operator, svix, app, endpoint } = await setup({ HERALD_RETRY_SCHEDULE: '1s,1s' });
    receiver.respondWith(() => ({ status: 410 }));
    await svix.message.create(app.id, { eventType: 'order.paid', payload: {} });
    await receiver.waitFor(1);
    await eventually(async () => ((await svix.endpoint.get(app.id, endpoint.id)).disabled ? true : undefined));
    await eventually(() => (operationalEvents(operator, 'endpoint.disabled').length > 0 ? true : undefined));
    const [event] = operationalEvents(operator, 'endpoint.disabled');
    assert.equal(event!.data.endpointId, endpoint.id);
    // A control endpoint beside the disabled one. Its retry comes 2 s after its first attempt, which
    // was after the 410: a retry of the 410 (due within 1.2 s of it) would have come before.
    const control = await controlEndpoint(svix, app.id);
    await control.retriedAfter(2);
    assert.equal(receiver.requests.length, 1, 'no retry after 410');
    // That message fanned out to both endpoints; had the disabled one been sent it, it would have
    // been sent with the control's first attempt, a second before the retry.
    await control.retriedAfter(1);
    assert.equal(receiver.requests.length, 1, 'a disabled endpoint receives nothing new');
  });

  test('an endpoint failing for the whole HERALD_DISABLE_AFTER window is disabled, and the operator is told', async () => {
    const { receiver, operator, svix, app, endpoint } = await setup({ HERALD_RETRY_SCHEDULE: '1s,1s,1s,1s,1s,1s', HERALD_DISABLE_AFTER: '2s' });
    receiver.respondWith(() => ({ status: 500 }));
    await svix.message.create(app.id, { eventType: 'order.paid', payload: {} });
    await eventually(async () => ((await svix.endpoint.get(app.id, endpoint.id)).disabled ? true : undefined), 15_000);
    await eventually(() => (operationalEvents(operator, 'endpoint.disabled').length > 0 ? true : undefined));
    const count = receiver.requests.length;
    // The window, not the schedule, ended it: the schedule alone would allow 7 attempts.
    assert.ok(count >= 2 && count < 7, `disabled after ${count} attempts`);
    // Another attempt would have been due within 1.2 s of the last; the control's retry comes 2 s
    // after its first attempt, which was after the endpoint was seen disabled.
    await (await controlEndpoint(svix, app.id)).retriedAfter(2);
    assert.equal(receiver.requests.length, count, 'no attempts after disabling');
  });

  test('Retry-After on 429 pushes the next attempt out', async () => {
    const { receiver, svix, app } = await setup({ HERALD_RETRY_SCHEDULE: '1s,1s' });
    receiver.respondWith((_request, count) => (count === 1 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 }));
    await svix.message.create(app.id, { eventType: 'order.paid', payload: {} });
    const requests = await receiver.waitFor(2, 10_000);
    const gap = requests[1]!.receivedAt - requests[0]!.receivedAt;
    assert.ok(gap >= 2_900, `waited ${gap} ms, Retry-After asked for 3000`);
  });

  test('exhausting the schedule sends message.attempt.exhausted, signed, to the operator', async () => {
    const { receiver, operator, svix, app, endpoint } = await setup({ HERALD_RETRY_SCHEDULE: '1s' });
    receiver.respondWith(() => ({ status: 500 }));
    const message = await svix.message.create(app.id, { eventType: 'order.paid', payload: {} });
    await receiver.waitFor(2);
    await eventually(() => (operationalEvents(operator, 'message.attempt.exhausted').length > 0 ? true : undefined));
    const [event] = operationalEvents(operator, 'message.attempt.exhausted');
    assert.equal(event!.data.msgId, message.id);
    assert.equal(event!.data.endpointId, endpoint.id);
    assert.equal((event!.data.lastAttempt as { responseStatusCode: number }).responseStatusCode, 500);
    assert.equal(receiver.requests.length, 2);
    assert.equal((await svix.messageAttempt.listAttemptedDestinations(app.id, message.id)).data[0]!.status, 2);
    assert.ok(operationalEvents(operator, 'endpoint.created').some((created) => created.data.endpointId === endpoint.id));
  });
});
