import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { apiClient, eventually, startTestHerald, type ApiCall, type TestHerald } from '@herald/testing';

/** One message as a test consumer took it off the broker. */
export interface Consumed {
  headers: Record<string, string>;
  body: Buffer;
}

/** A destination on the real local broker, made for one test, and a way to read what reached it. */
export interface Destination {
  url: string;
  /** Resolves with the next message that reaches the destination. */
  next(): Promise<Consumed>;
  cleanup(): Promise<void>;
}

export interface QueueSuite {
  name: string;
  /** The HERALD_BROKER_TARGETS entry of the local broker. */
  target: string;
  destination(): Promise<Destination>;
  /** A URL of a listed broker that nothing listens on. */
  unreachableUrl: string;
  /** A well-formed URL of a broker that is not listed. */
  unlistedUrl: string;
  /** What only this broker carries (its own message id, persistence), checked on the delivered message. */
  check?: (consumed: Consumed, messageId: string) => void;
}

/** A payload whose bytes JSON re-encoding would change: spacing, key order, escapes, non-ASCII. */
const PAYLOAD = '{"b":1,  "a":"é\\u00e9 ✓","nested":{"z":[1,2.50,"x"]}}';

/**
 * The same end-to-end checks for every transport, through a real Herald (embedded SQLite, delivery
 * thread and sender threads) and the real broker: delivered with the right fields and a signature
 * a Standard Webhooks library verifies; an unreachable broker is a failed attempt that is retried;
 * an unlisted broker is a 422; an app-portal token may not create a broker endpoint.
 */
export function queueDestinationSuite(suite: QueueSuite): void {
  let herald: TestHerald;
  let api: ApiCall;
  const started = (async () => {
    herald = await startTestHerald({ HERALD_BROKER_TARGETS: `${suite.target},${new URL(suite.unreachableUrl).protocol}//${new URL(suite.unreachableUrl).host}`, HERALD_RETRY_SCHEDULE: '1s,1s,1s' });
    api = apiClient(herald.url, herald.token);
  })();
  after(async () => {
    await started.catch(() => {});
    await herald?.stop();
  });

  const newApp = async () => {
    await started;
    const created = await api('POST', '/app', { name: `${suite.name} app` });
    assert.equal(created.status, 201);
    return created.body.id as string;
  };
  const attemptsOf = async (appId: string, endpointId: string) =>
    (await api('GET', `/app/${appId}/attempt/endpoint/${endpointId}`)).body.data as Array<{ status: number; responseStatusCode: number; response: string }>;

  test(`${suite.name}: a message reaches the broker with its id, timestamp, event type, a verifiable signature and the body byte for byte`, async () => {
    const appId = await newApp();
    const destination = await suite.destination();
    try {
      const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
      const endpoint = await api('POST', `/app/${appId}/endpoint`, { url: destination.url, secret });
      assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
      const received = destination.next();
      const sent = await fetch(`${herald.url}/api/v1/app/${appId}/msg`, {
        method: 'POST',
        headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' },
        body: `{"eventType":"order.paid","payload":${PAYLOAD}}`,
      });
      assert.equal(sent.status, 202);
      const message = (await sent.json()) as { id: string };
      const consumed = await received;
      assert.equal(consumed.headers['webhook-id'], message.id);
      assert.equal(consumed.headers['webhook-event-type'], 'order.paid');
      assert.match(consumed.headers['webhook-timestamp'] ?? '', /^\d+$/);
      assert.match(consumed.headers['webhook-signature'] ?? '', /^v1,/);
      assert.deepEqual(consumed.body, Buffer.from(PAYLOAD, 'utf8'), 'the payload as it was posted, byte for byte');
      suite.check?.(consumed, message.id);
      const verified = new Webhook(secret).verify(consumed.body.toString('utf8'), {
        'webhook-id': consumed.headers['webhook-id']!,
        'webhook-timestamp': consumed.headers['webhook-timestamp']!,
        'webhook-signature': consumed.headers['webhook-signature']!,
      });
      assert.deepEqual(verified, JSON.parse(PAYLOAD));
      const attempts = await eventually(async () => {
        const list = await attemptsOf(appId, endpoint.body.id);
        return list.length > 0 ? list : undefined;
      }, 10_000, 'the attempt to be recorded');
      assert.equal(attempts.length, 1);
      assert.equal(attempts[0]!.status, 0, 'recorded as a success');
      assert.equal(attempts[0]!.responseStatusCode, 202);
    } finally {
      await destination.cleanup();
    }
  });

  test(`${suite.name}: an unreachable broker is a failed attempt, retried on the schedule`, async () => {
    const appId = await newApp();
    const endpoint = await api('POST', `/app/${appId}/endpoint`, { url: suite.unreachableUrl });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    const sent = await api('POST', `/app/${appId}/msg`, { eventType: 'order.paid', payload: { n: 1 } });
    assert.equal(sent.status, 202);
    const attempts = await eventually(async () => {
      const list = await attemptsOf(appId, endpoint.body.id);
      return list.length >= 2 ? list : undefined;
    }, 15_000, 'a failed attempt and its retry');
    for (const attempt of attempts) {
      assert.notEqual(attempt.status, 0, 'a failure');
      assert.match(attempt.response, /^(connect|network|timeout):/);
    }
  });

  test(`${suite.name}: a broker not in HERALD_BROKER_TARGETS is a 422 at create and update; an app-portal token gets 403`, async () => {
    const appId = await newApp();
    const refused = await api('POST', `/app/${appId}/endpoint`, { url: suite.unlistedUrl });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), /HERALD_BROKER_TARGETS/);
    const plain = await api('POST', `/app/${appId}/endpoint`, { url: 'https://example.com/hook' });
    assert.equal(plain.status, 201);
    const moved = await api('PATCH', `/app/${appId}/endpoint/${plain.body.id}`, { url: suite.unlistedUrl });
    assert.equal(moved.status, 422);

    const token = await api('POST', `/auth/app-portal-access/${appId}`, {});
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const tenant = apiClient(herald.url, token.body.token);
    const listed = await suite.destination();
    try {
      const byTenant = await tenant('POST', `/app/${appId}/endpoint`, { url: listed.url });
      assert.equal(byTenant.status, 403, JSON.stringify(byTenant.body));
      const tenantMove = await tenant('PATCH', `/app/${appId}/endpoint/${plain.body.id}`, { url: listed.url });
      assert.equal(tenantMove.status, 403);
    } finally {
      await listed.cleanup();
    }
  });
}
