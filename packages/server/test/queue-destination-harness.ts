import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import pino from 'pino';
import { apiClient, eventually, startTcpProxy, startTestHerald, tempDir, type ApiCall, type TcpProxy, type TestHerald } from '@herald/testing';
import { postgresModeEnv } from '@herald/testing/postgres';
import { loadConfig } from '../src/config.ts';
import { startHerald } from '../src/start.ts';

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
  /** With `port`, the URL points at that port on 127.0.0.1 (a proxy in front of the broker). */
  destination(port?: number): Promise<Destination>;
  /** A URL of a listed broker that nothing listens on. */
  unreachableUrl: string;
  /** A well-formed URL of a broker that is not listed. */
  unlistedUrl: string;
  /** What only this broker carries (its own message id, persistence), checked on the delivered message. */
  check?: (consumed: Consumed, messageId: string) => void;
  /** PostgreSQL mode instead of embedded SQLite: an API process and a worker process on this database. */
  postgresUrl?: string;
}

/** PostgreSQL mode: the API validates broker URLs, a separate worker sends to the brokers. */
async function startPostgresHerald(databaseUrl: string, overrides: Record<string, string>): Promise<TestHerald> {
  const dir = tempDir('herald-queues-pg-');
  const env = (role: 'api' | 'worker') => postgresModeEnv(databaseUrl, role, dir.path, overrides);
  const api = await startHerald(loadConfig(env('api')), pino({ level: 'silent' }));
  const worker = await startHerald(loadConfig(env('worker')), pino({ level: 'silent' }));
  return {
    url: api.url,
    token: 'sk_test_herald_admin_token_0123456789',
    dataDir: dir.path,
    async stop() {
      await api.stop();
      await worker.stop();
      dir.remove();
    },
  };
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
  // Inside describe: a root-level after() waits for an empty event loop, which broker connections never leave.
  describe(`${suite.name} queue destination${suite.postgresUrl ? ' (PostgreSQL mode)' : ''}`, () => {
    let herald: TestHerald;
    let api: ApiCall;
    let proxy: TcpProxy;
    const scheme = new URL(suite.target).protocol;
    const started = (async () => {
      proxy = await startTcpProxy(Number(new URL(suite.target).port));
      const targets = [suite.target, `${scheme}//${new URL(suite.unreachableUrl).host}`, `${scheme}//127.0.0.1:${proxy.port}`];
      herald = await startTestHerald({
        HERALD_BROKER_TARGETS: targets.join(','),
        HERALD_RETRY_SCHEDULE: '1s,1s,1s,1s,1s,1s',
        // Bounds a publish whose acknowledgement the restart swallowed; it is then sent again.
        HERALD_DELIVERY_DEADLINE: '5s',
      });
      api = apiClient(herald.url, herald.token);
    })();
    after(async () => {
      await started.catch(() => {});
      await herald?.stop();
      await proxy?.close();
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

    test(`${suite.name}: a broker not in HERALD_BROKER_TARGETS is a 422 at create and update (so is requireVerification); an app-portal token gets 403`, async () => {
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

    test(`${suite.name}: a broker restart in the middle of 1,000 messages: every message reaches the broker, a duplicate only under its own webhook id`, async () => {
      const appId = await newApp();
      const destination = await suite.destination(proxy.port);
      try {
        const endpoint = await api('POST', `/app/${appId}/endpoint`, { url: destination.url });
        assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
        const sentIds = new Set<string>();
        const seen = new Map<string, number>();
        const bodies = new Map<string, string>();
        const consuming = (async () => {
          while (seen.size < 1_000 || sentIds.size < 1_000) {
            const consumed = await destination.next();
            const id = consumed.headers['webhook-id']!;
            seen.set(id, (seen.get(id) ?? 0) + 1);
            const body = consumed.body.toString('utf8');
            assert.equal(bodies.get(id) ?? body, body, 'a duplicate is the same message under the same webhook id');
            bodies.set(id, body);
          }
        })();
        let interrupted: Promise<void> | undefined;
        for (let batch = 0; batch < 50; batch++) {
          // The connections are cut (and refused for a while) once 300 messages are on their way.
          if (batch === 15) interrupted = proxy.interrupt(1_500);
          await Promise.all(Array.from({ length: 20 }, async (_, i) => {
            const n = batch * 20 + i;
            const uid = `m${n}`;
            const sent = await fetch(`${herald.url}/api/v1/app/${appId}/msg`, {
              method: 'POST',
              headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' },
              body: `{"eventType":"order.paid","eventId":"${uid}","payload":{"n":${n}}}`,
            });
            assert.equal(sent.status, 202);
            sentIds.add(((await sent.json()) as { id: string }).id);
          }));
        }
        await interrupted;
        await Promise.race([
          consuming,
          new Promise((_resolve, reject) => setTimeout(() => reject(new Error(`only ${seen.size} of 1000 messages reached the broker`)), 60_000).unref()),
        ]);
        assert.deepEqual([...seen.keys()].sort(), [...sentIds].sort());
        const duplicates = [...seen.values()].reduce((sum, copies) => sum + copies - 1, 0);
        const failed = (await api('GET', `/app/${appId}/attempt/endpoint/${endpoint.body.id}?status=2&limit=250`)).body.data.length;
        console.log(`# ${suite.name}: 1000 messages across a broker restart: ${failed === 250 ? "250 or more" : failed} failed attempts (retried), ${duplicates} duplicate copies`);
      } finally {
        await destination.cleanup();
      }
    });
  });
}
