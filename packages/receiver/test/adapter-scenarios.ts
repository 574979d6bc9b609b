import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDedupeStore, webhookHeaders, type ReceiverOptions, type WebhookEvent } from '@herald/receiver';

type Events = { 'order.paid': { type: 'order.paid'; orderId: string } };

/** A framework's real server on loopback, receiving webhooks at `url` with the given options. */
export type StartServer = (options: ReceiverOptions<Events, any>) => Promise<{ url: string; close(): Promise<void> }>;

const secret = 'whsec_' + Buffer.alloc(32, 11).toString('base64');
const now = () => Math.floor(Date.now() / 1000);

function post(url: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = await response.json() as { status: number; code: string; detail: string };
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.ok(problem.detail.length > 0);
}

/** The same behaviour, asserted over HTTP, for every adapter. */
export function receiverScenarios(framework: string, start: StartServer): void {
  test(`${framework}: a signed delivery is verified over its exact bytes and handed over as a typed event`, async () => {
    const events: Array<WebhookEvent<Events>> = [];
    const server = await start({ secret, onEvent: (event) => void events.push(event) });
    try {
      // Spacing and non-ASCII that re-serialised JSON would change: only the raw bytes verify.
      const body = '{ "type" : "order.paid",  "orderId":"ord_Zoë_🎉" }';
      const response = await post(server.url, body, webhookHeaders(secret, { id: 'msg_1', timestamp: now(), body }));
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { received: true });
      assert.equal(events.length, 1);
      assert.equal(events[0]!.id, 'msg_1');
      assert.equal(events[0]!.type, 'order.paid');
      assert.equal(events[0]!.payload.orderId, 'ord_Zoë_🎉');
    } finally {
      await server.close();
    }
  });

  test(`${framework}: tampered, unsigned, expired, non-JSON and oversized deliveries get 4xx problem documents and never reach the handler`, async () => {
    let calls = 0;
    const server = await start({ secret, maxBodyBytes: 2048, onEvent: () => void calls++ });
    try {
      const body = '{"type":"order.paid","orderId":"ord_1"}';
      const headers = webhookHeaders(secret, { id: 'msg_2', timestamp: now(), body });
      await expectProblem(await post(server.url, body.replace('ord_1', 'ord_2'), headers), 401, 'invalid_signature');
      await expectProblem(await post(server.url, body, {}), 400, 'missing_headers');
      const stale = webhookHeaders(secret, { id: 'msg_2', timestamp: now() - 600, body });
      await expectProblem(await post(server.url, body, stale), 401, 'timestamp_out_of_tolerance');
      const notJson = 'not json';
      await expectProblem(await post(server.url, notJson, webhookHeaders(secret, { id: 'msg_3', timestamp: now(), body: notJson })), 400, 'invalid_payload');
      const large = JSON.stringify({ type: 'order.paid', filler: 'x'.repeat(2048) });
      await expectProblem(await post(server.url, large, webhookHeaders(secret, { id: 'msg_4', timestamp: now(), body: large })), 413, 'payload_too_large');
      assert.equal(calls, 0);
    } finally {
      await server.close();
    }
  });

  test(`${framework}: with de-duplication a webhook-id runs the handler once, even when deliveries overlap`, async () => {
    let calls = 0;
    let entered!: () => void;
    const handlerEntered = new Promise<void>((resolve) => { entered = resolve; });
    let finish!: () => void;
    const handlerMayFinish = new Promise<void>((resolve) => { finish = resolve; });
    const server = await start({
      secret,
      dedupe: { store: new MemoryDedupeStore() },
      onEvent: async () => {
        calls++;
        entered();
        await handlerMayFinish;
      },
    });
    try {
      const body = '{"type":"order.paid","orderId":"ord_3"}';
      const headers = webhookHeaders(secret, { id: 'msg_dup', timestamp: now(), body });
      const first = post(server.url, body, headers);
      await handlerEntered;
      // The first delivery is still being handled: the overlap is told to come back later.
      await expectProblem(await post(server.url, body, headers), 409, 'in_progress');
      finish();
      assert.equal((await first).status, 200);
      const again = await post(server.url, body, headers);
      assert.equal(again.status, 200);
      assert.deepEqual(await again.json(), { received: true, duplicate: true });
      assert.equal(calls, 1);
    } finally {
      await server.close();
    }
  });

  test(`${framework}: a handler that throws answers 500 and releases the webhook-id, so the retry is processed`, async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const server = await start({
      secret,
      dedupe: { store: new MemoryDedupeStore() },
      onError: (error) => void errors.push(error),
      onEvent: () => {
        calls++;
        if (calls === 1) throw new Error('database unavailable');
      },
    });
    try {
      const body = '{"type":"order.paid","orderId":"ord_4"}';
      const headers = webhookHeaders(secret, { id: 'msg_retry', timestamp: now(), body });
      await expectProblem(await post(server.url, body, headers), 500, 'handler_failed');
      assert.equal((errors[0] as Error).message, 'database unavailable');
      assert.equal((await post(server.url, body, headers)).status, 200);
      assert.equal(calls, 2);
    } finally {
      await server.close();
    }
  });
}
