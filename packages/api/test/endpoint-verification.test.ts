import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, startTestHerald, type ReceivedRequest, type Receiver, type TestHerald } from '@herald/testing';

interface EndpointJson { id: string; url: string; verification: { status: string; checkedAt: string | null; error: string | null } | null }

const challengeOf = (request: ReceivedRequest): string => (JSON.parse(request.body) as { challenge: string }).challenge;
const echoJson = (request: ReceivedRequest) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ challenge: challengeOf(request) }) });
const echoRaw = (request: ReceivedRequest) => ({ status: 200, body: challengeOf(request) });
const isChallenge = (request: ReceivedRequest) => (JSON.parse(request.body) as { type?: string }).type === 'url_verification';

describe('endpoint verification challenge', () => {
  let herald: TestHerald;
  let appId: string;
  const receivers: Receiver[] = [];
  const call = async (path: string, method = 'GET', json?: unknown) => {
    const response = await fetch(`${herald.url}/api/v1/app/${appId}${path}`, {
      method,
      headers: { authorization: `Bearer ${herald.token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> };
  };
  const receiver = async (handler?: Parameters<typeof startReceiver>[0]) => {
    const started = await startReceiver(handler);
    receivers.push(started);
    return started;
  };
  const createEndpoint = async (url: string, extra: Record<string, unknown> = {}) => {
    const created = await call('/endpoint', 'POST', { url, ...extra });
    assert.equal(created.status, 201);
    return created.body as unknown as EndpointJson;
  };
  /** Sends a message and waits until the control endpoint has it: every fan-out decision is then made. */
  const sendThroughControl = async (control: Receiver, tag: string) => {
    const before = control.requests.length;
    const accepted = await call('/msg', 'POST', { eventType: 'order.paid', payload: { tag } });
    assert.equal(accepted.status, 202);
    await control.waitFor(before + 1);
    const destinations = await call(`/msg/${accepted.body.id as string}/endpoint`);
    return (destinations.body.data as Array<{ id: string }>).map((endpoint) => endpoint.id);
  };

  let control: Receiver;
  let controlEndpoint: EndpointJson;
  before(async () => {
    herald = await startTestHerald();
    const app = await fetch(`${herald.url}/api/v1/app`, {
      method: 'POST', headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'verify' }),
    });
    appId = ((await app.json()) as { id: string }).id;
    control = await receiver();
    controlEndpoint = await createEndpoint(control.url);
    assert.equal(controlEndpoint.verification, null, 'an endpoint that did not opt in shows no verification');
  });
  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await herald.stop();
  });

  test('an endpoint that echoes the challenge is verified at creation and then receives messages', async () => {
    const echoing = await receiver(echoJson);
    const endpoint = await createEndpoint(echoing.url, { requireVerification: true });
    assert.equal(endpoint.verification?.status, 'verified');
    assert.ok(endpoint.verification?.checkedAt);
    const [challenge] = echoing.requests;
    assert.ok(challenge && isChallenge(challenge));
    assert.equal(challenge.method, 'POST');
    // The challenge is signed with the endpoint's secret, like any delivery.
    const secret = (await call(`/endpoint/${endpoint.id}/secret`)).body.key as string;
    assert.doesNotThrow(() => new Webhook(secret).verify(challenge.body, challenge.headers));

    assert.deepEqual((await sendThroughControl(control, 'after-verify')).sort(), [controlEndpoint.id, endpoint.id].sort());
    const [, message] = await echoing.waitFor(2);
    assert.deepEqual(JSON.parse(message!.body), { tag: 'after-verify' });
  });

  test('echoing the bare challenge value counts too', async () => {
    const echoing = await receiver(echoRaw);
    assert.equal((await createEndpoint(echoing.url, { requireVerification: true })).verification?.status, 'verified');
  });

  test('an endpoint that does not echo, or echoes the wrong value, gets no real message', async () => {
    const silent = await receiver();
    const wrong = await receiver(() => ({ status: 200, body: JSON.stringify({ challenge: 'not-the-challenge' }) }));
    const failing = await receiver(() => ({ status: 500, body: 'down' }));
    const silentEndpoint = await createEndpoint(silent.url, { requireVerification: true });
    const wrongEndpoint = await createEndpoint(wrong.url, { requireVerification: true });
    const failingEndpoint = await createEndpoint(failing.url, { requireVerification: true });
    assert.deepEqual(silentEndpoint.verification && { ...silentEndpoint.verification, checkedAt: null },
      { status: 'failed', checkedAt: null, error: 'the endpoint did not echo the challenge' });
    assert.equal(wrongEndpoint.verification?.status, 'failed');
    assert.equal(failingEndpoint.verification?.error, 'the endpoint answered 500, not 2xx');

    const destinations = await sendThroughControl(control, 'unverified');
    for (const endpoint of [silentEndpoint, wrongEndpoint, failingEndpoint]) assert.ok(!destinations.includes(endpoint.id), 'not fanned out');
    for (const target of [silent, wrong, failing]) assert.deepEqual(target.requests.map(isChallenge), [true], 'only the challenge arrived');
    assert.equal((await call(`/endpoint/${wrongEndpoint.id}/send-example`, 'POST', { eventType: 'herald.ping' })).status, 409);
  });

  test('re-running the challenge once the receiver echoes verifies it; messages flow from then on', async () => {
    const flaky = await receiver();
    const endpoint = await createEndpoint(flaky.url, { requireVerification: true });
    assert.equal(endpoint.verification?.status, 'failed');
    assert.ok(!(await sendThroughControl(control, 'before')).includes(endpoint.id));
    flaky.respondWith(echoJson);
    const verified = await call(`/endpoint/${endpoint.id}/verify`, 'POST');
    assert.equal(verified.status, 200);
    assert.equal((verified.body as unknown as EndpointJson).verification?.status, 'verified');
    assert.equal(((await call(`/endpoint/${endpoint.id}`)).body as unknown as EndpointJson).verification?.status, 'verified');
    assert.ok((await sendThroughControl(control, 'after')).includes(endpoint.id));
    const received = await flaky.waitFor(3);
    assert.deepEqual(received.filter((r) => !isChallenge(r)).map((r) => JSON.parse(r.body)), [{ tag: 'after' }], 'the earlier message is not delivered late');
  });

  test('a new URL must pass again; turning the requirement off lets messages through; verify without it is a 409', async () => {
    const echoing = await receiver(echoJson);
    const silent = await receiver();
    const endpoint = await createEndpoint(echoing.url, { requireVerification: true });
    const moved = await call(`/endpoint/${endpoint.id}`, 'PATCH', { url: silent.url });
    assert.equal((moved.body as unknown as EndpointJson).verification?.status, 'failed');
    // An update that does not name the field (as the Svix SDKs send it) keeps the requirement.
    const put = await call(`/endpoint/${endpoint.id}`, 'PUT', { url: silent.url, description: 'svix-style update' });
    assert.equal((put.body as unknown as EndpointJson).verification?.status, 'failed');
    assert.ok(!(await sendThroughControl(control, 'moved')).includes(endpoint.id));

    const optedOut = await call(`/endpoint/${endpoint.id}`, 'PATCH', { requireVerification: false });
    assert.equal((optedOut.body as unknown as EndpointJson).verification, null);
    assert.ok((await sendThroughControl(control, 'opted-out')).includes(endpoint.id));
    assert.equal((await call(`/endpoint/${endpoint.id}/verify`, 'POST')).status, 409);

    const optedIn = await call(`/endpoint/${endpoint.id}`, 'PATCH', { requireVerification: true });
    assert.equal((optedIn.body as unknown as EndpointJson).verification?.status, 'failed', 'opting in runs the challenge at once');
  });

  test('a retry queued before the URL changed is not sent to the new, unverified URL', async () => {
    const refusing = await receiver((request) => (isChallenge(request) ? echoJson(request) : { status: 500, body: 'try later' }));
    const silent = await receiver();
    const endpoint = await createEndpoint(refusing.url, { requireVerification: true });
    const accepted = await call('/msg', 'POST', { eventType: 'order.paid', payload: { tag: 'retried' } });
    await refusing.waitFor(2);
    // The first attempt failed and a retry is due in a second; the endpoint moves meanwhile.
    const moved = await call(`/endpoint/${endpoint.id}`, 'PATCH', { url: silent.url });
    assert.equal((moved.body as unknown as EndpointJson).verification?.status, 'failed');
    const status = await eventually(async () => {
      const destinations = (await call(`/msg/${accepted.body.id as string}/endpoint`)).body.data as Array<{ id: string; statusText: string }>;
      const mine = destinations.find((destination) => destination.id === endpoint.id)!;
      return mine.statusText === 'pending' || mine.statusText === 'sending' ? undefined : mine.statusText;
    }, 15_000, 'the retry to be settled');
    assert.equal(status, 'fail');
    assert.deepEqual(silent.requests.map(isChallenge), [true], 'the new URL got the challenge and nothing else');
  });
});
