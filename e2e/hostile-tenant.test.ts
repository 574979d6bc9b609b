import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, type ApiCall, type TestHerald } from '@herald/testing';
import { storageModes } from './support/storage-modes.ts';

/**
 * One tenant's bad input must never fail another's. Tenant A sends 2,000 valid messages from 32
 * concurrent clients while tenant B loops over what PostgreSQL cannot store (U+0000 in names, ids,
 * channels and iterators, a lone surrogate, a bucket beyond bigint). A's requests share B's lookup
 * queries and message batches; before the fix, A got hundreds of 500s and 503s in PostgreSQL mode.
 */
const MESSAGES = 2_000;
const CLIENTS = 32;
const modes = await storageModes();

for (const mode of modes) {
  describe(`a hostile tenant beside a busy one (${mode.name})`, () => {
    let herald: TestHerald;
    let admin: ApiCall;
    before(async () => {
      herald = await mode.start({ HERALD_DELIVERY_THREAD: 'false' });
      admin = apiClient(herald.url, herald.token);
    });
    after(() => herald.stop());

    test(`tenant A's ${MESSAGES} messages all succeed while tenant B gets only 4xx answers`, async () => {
      const appA = (await admin('POST', '/app', { name: 'tenant A', uid: 'tenant-a' })).body.id as string;
      const appB = (await admin('POST', '/app', { name: 'tenant B', uid: 'tenant-b' })).body.id as string;
      await admin('POST', `/app/${appA}/endpoint`, { url: 'http://127.0.0.1:9/a', channels: ['orders'] });
      const endpointB = (await admin('POST', `/app/${appB}/endpoint`, { url: 'http://127.0.0.1:9/b' })).body.id as string;
      const tokenA = (await admin('POST', `/auth/app-portal-access/${appA}`, {})).body.token as string;
      const tokenB = (await admin('POST', `/auth/app-portal-access/${appB}`, {})).body.token as string;
      const organisationB = (await admin('POST', '/auth/token', { scopes: ['read', 'write'], description: 'tenant B' })).body.token as string;

      const hostile: Array<[token: string, method: string, path: string, body?: string]> = [
        [organisationB, 'POST', '/app', '{"name":"a\\u0000b"}'],
        [organisationB, 'GET', '/app/shop%00'],
        [organisationB, 'POST', '/app/shop%00/msg', '{"eventType":"a.b","payload":{}}'],
        [tokenB, 'POST', `/app/${appB}%00/msg`, '{"eventType":"a.b","payload":{}}'],
        [tokenB, 'POST', `/app/${appB}/msg`, '{"eventType":"a.b","payload":{},"channels":["x\\u0000"]}'],
        [tokenB, 'POST', `/app/${appB}/msg`, '{"eventType":"a.b","payload":{},"eventId":"\\ud800"}'],
        [tokenB, 'POST', `/app/${appB}/endpoint`, '{"url":"http://127.0.0.1:9/","description":"\\u0000"}'],
        [tokenB, 'GET', `/app/${appB}/msg/msg_%00`],
        [tokenB, 'GET', `/app/${appB}/msg?iterator=app_%00`],
        [tokenB, 'GET', `/app/${appB}/msg?channel=%00`],
        [tokenB, 'GET', `/app/${appB}/endpoint/${endpointB}%00/secret`],
        [tokenB, 'GET', '/event-type/a%00'],
        [tokenB, 'GET', `/app/${appB}/endpoint/${endpointB}/stats/timeline?bucket=99999999999999999999d`],
      ];
      const send = async (token: string, method: string, path: string, body?: string) => {
        const response = await fetch(`${herald.url}/api/v1${path}`, {
          method, body, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        });
        return { status: response.status, text: await response.text() };
      };

      let aDone = false;
      const hostileAnswers: string[] = [];
      const hostileLoop = (async () => {
        for (let round = 0; !aDone || round < hostile.length; round++) {
          const [token, method, path, body] = hostile[round % hostile.length]!;
          // Several at once, so that B's requests share A's lookup queries and message batches.
          const answers = await Promise.all([0, 1, 2].map(() => send(token, method, path, body)));
          for (const answer of answers) hostileAnswers.push(`${answer.status} ${method} ${path}: ${answer.text.slice(0, 120)}`);
        }
      })();

      const failuresA: string[] = [];
      const acceptedA: string[] = [];
      let next = 0;
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        while (next < MESSAGES) {
          const n = next++;
          const answer = await send(tokenA, 'POST', `/app/${appA}/msg`, JSON.stringify({ eventType: 'order.paid', payload: { n }, channels: ['orders'] }));
          if (answer.status === 202) acceptedA.push(JSON.parse(answer.text).id);
          else failuresA.push(`${answer.status}: ${answer.text.slice(0, 200)}`);
        }
      }));
      aDone = true;
      await hostileLoop;

      assert.deepEqual(failuresA.slice(0, 5), [], `tenant A: ${failuresA.length} of ${MESSAGES} failed`);
      assert.equal(new Set(acceptedA).size, MESSAGES);
      const notClientErrors = hostileAnswers.filter((answer) => !/^4\d\d /.test(answer));
      assert.deepEqual(notClientErrors.slice(0, 5), [], `tenant B: ${notClientErrors.length} of ${hostileAnswers.length} answers were not 4xx`);
      assert.ok(hostileAnswers.length >= 3 * hostile.length, `tenant B sent every hostile request (${hostileAnswers.length} answers)`);

      let listed = 0;
      for (let iterator: string | null = null, done = false; !done;) {
        const page: { status: number; body: { data: unknown[]; iterator: string | null; done: boolean } } =
          await admin('GET', `/app/${appA}/msg?limit=250&with_content=false${iterator ? `&iterator=${iterator}` : ''}`);
        listed += page.body.data.length;
        ({ iterator, done } = page.body);
      }
      assert.equal(listed, MESSAGES, 'every accepted message of A is stored');
    });
  });
}
