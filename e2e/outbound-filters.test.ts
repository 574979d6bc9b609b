import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, eventually, startReceiver, startTestHerald, tempDir, type Receiver, type TestHerald } from '@herald/testing';
import { postgresModeEnv, postgresTestDatabase } from '@herald/testing/postgres';

/**
 * Issue 13 §2, done when: three endpoints with different content filters on one application, 1,000
 * messages, and each endpoint receives exactly the messages its filter matches (by webhook-id and by
 * payload), no more, no fewer. The expected sets are computed here with plain JavaScript predicates,
 * not with Herald's evaluator, so a wrong evaluator cannot agree with itself.
 */

const MESSAGES = 1_000;
const REGIONS = ['eu', 'us', 'apac'] as const;

interface Payload { n: number; region: string; tags: string[]; total?: { amount: number; currency: string } }

function payloadOf(n: number): Payload {
  const payload: Payload = { n, region: REGIONS[n % 3]!, tags: n % 5 === 0 ? ['vip', 'b2b'] : n % 5 === 1 ? ['b2b'] : [] };
  // Every seventh message has no total at all: a missing field is no match for a comparison.
  if (n % 7 !== 0) payload.total = { amount: (n * 7_919) % 20_000, currency: n % 2 === 0 ? 'EUR' : 'USD' };
  return payload;
}

const ENDPOINTS = [
  {
    name: 'large orders',
    filter: { total: { amount: { $gte: 10_000 } } },
    matches: (p: Payload) => p.total !== undefined && p.total.amount >= 10_000,
  },
  {
    name: 'vip outside the US',
    filter: { region: { $in: ['eu', 'apac'] }, tags: 'vip' },
    matches: (p: Payload) => (p.region === 'eu' || p.region === 'apac') && p.tags.includes('vip'),
  },
  {
    name: 'US or no total, in euros or none',
    filter: { $or: [{ region: 'us' }, { total: { $exist: false } }], $not: { total: { currency: 'USD' } } },
    matches: (p: Payload) => (p.region === 'us' || p.total === undefined) && p.total?.currency !== 'USD',
  },
];

function scenario(mode: string, start: () => Promise<TestHerald>): void {
  describe(`outbound content filters end to end (${mode})`, () => {
    test('three endpoints with different filters on one app: 1,000 messages, each endpoint receives exactly its matches', async () => {
      const herald = await start();
      const receivers: Receiver[] = await Promise.all(ENDPOINTS.map(() => startReceiver()));
      after(async () => {
        await Promise.all(receivers.map((receiver) => receiver.close()));
        await herald.stop();
      });
      const call = apiClient(herald.url, herald.token);
      const app = (await call('POST', '/app', { name: `filters ${mode}` })).body as { id: string };
      const endpointIds: string[] = [];
      for (const [i, { filter }] of ENDPOINTS.entries()) {
        const created = await call('POST', `/app/${app.id}/endpoint`, { url: receivers[i]!.url, filter });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        endpointIds.push(created.body.id as string);
      }

      // Sent in concurrent waves, so that messages share group commits as they would under load.
      const msgIdOf = new Map<number, string>();
      for (let wave = 0; wave < MESSAGES; wave += 50) {
        await Promise.all(Array.from({ length: Math.min(50, MESSAGES - wave) }, async (_, k) => {
          const n = wave + k;
          const response = await call('POST', `/app/${app.id}/msg`, { eventType: 'order.updated', payload: payloadOf(n) });
          assert.equal(response.status, 202);
          msgIdOf.set(n, response.body.id as string);
        }));
      }

      for (const [i, endpoint] of ENDPOINTS.entries()) {
        const expected = Array.from({ length: MESSAGES }, (_, n) => n).filter((n) => endpoint.matches(payloadOf(n)));
        assert.ok(expected.length > 50 && expected.length < MESSAGES - 50, `${endpoint.name}: a filter that selects some, not all (${expected.length})`);
        const receiver = receivers[i]!;
        await eventually(() => (new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size >= expected.length ? true : undefined),
          60_000, `${endpoint.name}: ${expected.length} deliveries`);
        // By webhook-id: exactly the ids of the matching messages.
        const ids = new Set(receiver.requests.map((request) => request.headers['webhook-id']));
        assert.deepEqual([...ids].sort(), expected.map((n) => msgIdOf.get(n)!).sort(), `${endpoint.name}: webhook-ids`);
        // By payload: each delivery carries its own message's payload, and the payloads are the matches.
        const received = new Map<number, string>();
        for (const request of receiver.requests) {
          const payload = JSON.parse(request.body) as Payload;
          assert.equal(request.headers['webhook-id'], msgIdOf.get(payload.n), 'the body belongs to its webhook-id');
          received.set(payload.n, request.body);
        }
        assert.deepEqual([...received.keys()].sort((a, b) => a - b), expected, `${endpoint.name}: payloads`);
        // Nothing else is queued for it: once the worker has recorded the attempts it made (a receiver
        // can hold a request before its attempt is written), every delivery it has succeeded.
        const stats = await eventually(async () => {
          const counts = (await call('GET', `/app/${app.id}/endpoint/${endpointIds[i]}/stats`)).body as Record<string, number>;
          return counts.pending === 0 && counts.sending === 0 ? counts : undefined;
        }, 30_000, `${endpoint.name}: every attempt recorded`);
        assert.deepEqual({ success: stats.success, fail: stats.fail, pending: stats.pending, sending: stats.sending },
          { success: expected.length, fail: 0, pending: 0, sending: 0 }, `${endpoint.name}: deliveries in the store`);
      }
    });
  });
}

scenario('embedded SQLite', () => startTestHerald());

const database = await postgresTestDatabase();
if (database) {
  scenario('PostgreSQL', async () => {
    const dir = tempDir();
    const herald = await startTestHerald(postgresModeEnv(database.url, 'all', dir.path));
    return { ...herald, stop: async () => { await herald.stop(); dir.remove(); } };
  });
}
