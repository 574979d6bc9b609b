import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TEST_ADMIN_TOKEN, eventually, spawnHerald, startReceiver, tempDir, testEnv, type Receiver } from '@herald/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresCluster, callApi } from './support/postgres-cluster.ts';
import { otelEnv, startOtlpCollector, type CollectedSpan, type OtlpCollector } from './support/otlp-collector.ts';

// OTLP span kinds.
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const ERROR = 2;

const collector = await startOtlpCollector();
after(() => collector.close());

interface Components { api: string; delivery: string }

/**
 * Sends one message through Herald under a client's own trace, its receiver failing the first
 * attempt, and checks the one trace that results: the client's span, then Herald's request span,
 * the message's fan-out, and both delivery attempts, each receiver request carrying its attempt's
 * traceparent. Returns that trace, oldest span first.
 */
async function traceOneMessage(t: TestContext, apiUrl: string, receiver: Receiver, service: string, components: Components): Promise<CollectedSpan[]> {
  receiver.respondWith((_request, count) => (count === 1 ? { status: 500, body: 'not yet' } : { status: 200, body: 'ok' }));
  const app = await callApi<{ id: string }>(apiUrl, 'POST', '/api/v1/app', { name: `traced ${service}` });
  const endpoint = await callApi<{ id: string }>(apiUrl, 'POST', `/api/v1/app/${app.id}/endpoint`, { url: receiver.url });
  const clientTraceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const sent = await fetch(`${apiUrl}/api/v1/app/${app.id}/msg`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json', traceparent: `00-${clientTraceId}-${clientSpanId}-01` },
    body: JSON.stringify({ eventType: 'order.paid', payload: { order: 42 } }),
  });
  assert.equal(sent.status, 202);
  const message = await sent.json() as { id: string };
  await receiver.waitFor(2, 30_000);

  const trace = await eventually(() => {
    const spans = collector.spans.filter((span) => span.traceId === clientTraceId);
    return spans.filter((span) => span.name === 'delivery attempt').length === 2 && spans.some((span) => span.name === 'message fan-out')
      && spans.some((span) => span.kind === SERVER) ? spans : undefined;
  }, 20_000, 'the request, fan-out and both attempt spans at the collector');
  const request = trace.find((span) => span.kind === SERVER)!;
  const fanOut = trace.find((span) => span.name === 'message fan-out')!;
  const attempts = trace.filter((span) => span.name === 'delivery attempt')
    .sort((a, b) => Number(a.attributes['herald.attempt.number']) - Number(b.attributes['herald.attempt.number']));

  assert.equal(request.name, 'POST /api/v1/app/:app_id/msg');
  assert.equal(request.parentSpanId, clientSpanId, "Herald's request span continues the client's trace");
  assert.equal(request.attributes['http.response.status_code'], 202);
  assert.equal(request.resource['service.name'], service);
  assert.equal(request.resource['herald.component'], components.api);
  assert.ok(!JSON.stringify(request).includes(app.id), 'the route template is recorded, not the path');

  assert.equal(fanOut.kind, PRODUCER);
  assert.equal(fanOut.parentSpanId, request.spanId, 'the fan-out is a child of the request that accepted the message');
  assert.equal(fanOut.attributes['herald.message.id'], message.id);

  assert.equal(attempts.length, 2);
  for (const [index, attempt] of attempts.entries()) {
    assert.equal(attempt.kind, CLIENT);
    assert.equal(attempt.parentSpanId, fanOut.spanId, 'each attempt is a child of the message\'s fan-out');
    assert.equal(attempt.resource['herald.component'], components.delivery);
    assert.equal(attempt.attributes['herald.message.id'], message.id);
    assert.equal(attempt.attributes['herald.endpoint.id'], endpoint.id);
    assert.equal(attempt.attributes['server.address'], '127.0.0.1');
    assert.equal(typeof attempt.attributes['herald.attempt.duration_ms'], 'number');
    assert.equal(receiver.requests[index]!.headers.traceparent, `00-${clientTraceId}-${attempt.spanId}-01`,
      'the receiver gets its attempt\'s traceparent, so its own spans join the trace');
  }
  assert.equal(attempts[0]!.attributes['http.response.status_code'], 500);
  assert.equal(attempts[0]!.attributes['herald.attempt.outcome'], 'retry');
  assert.equal(attempts[0]!.statusCode, ERROR);
  assert.equal(attempts[1]!.attributes['http.response.status_code'], 200);
  assert.equal(attempts[1]!.attributes['herald.attempt.outcome'], 'success');
  assert.notEqual(attempts[1]!.statusCode, ERROR);
  assert.deepEqual(collector.rejected, []);

  const ordered = [request, fanOut, ...attempts];
  t.diagnostic(`trace ${clientTraceId}`);
  for (const line of render(ordered).split('\n')) t.diagnostic(line);
  return ordered;
}

/** The trace as an indented tree, for the README. */
function render(spans: CollectedSpan[]): string {
  const depth = (span: CollectedSpan): number => {
    const parent = spans.find((other) => other.spanId === span.parentSpanId);
    return parent ? depth(parent) + 1 : 0;
  };
  const t0 = spans[0]!.startMs;
  return spans.map((span) => {
    const shown = ['herald.component', 'herald.message.id', 'herald.endpoint.id', 'herald.attempt.number', 'http.response.status_code',
      'herald.attempt.outcome', 'herald.attempt.duration_ms']
      .map((key) => [key, span.attributes[key] ?? span.resource[key]] as const)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key.replace(/^herald\./, '')}=${value}`);
    return `${'  '.repeat(depth(span))}${span.name} [span ${span.spanId}] +${(span.startMs - t0).toFixed(1)} ms, ${span.durationMs.toFixed(1)} ms  ${shown.join(' ')}`;
  }).join('\n');
}

test('embedded mode: a message is traced from POST .../msg through its fan-out to each delivery attempt on the delivery thread', async (t) => {
  const receiver = await startReceiver();
  const dir = tempDir();
  const herald = await spawnHerald(testEnv(dir.path, otelEnv(collector, 'herald-embedded')), 60_000);
  after(async () => {
    herald.child.kill('SIGKILL');
    await herald.exited;
    dir.remove();
    await receiver.close();
  });
  await traceOneMessage(t, herald.url, receiver, 'herald-embedded', { api: 'embedded', delivery: 'delivery-thread' });
  herald.child.kill('SIGTERM');
  assert.equal(await herald.exited, 0, 'stops cleanly, its last spans exported');
});

test('embedded mode without the delivery thread: attempts are traced in the main thread', async (t) => {
  const receiver = await startReceiver();
  const dir = tempDir();
  const herald = await spawnHerald(testEnv(dir.path, { ...otelEnv(collector, 'herald-one-thread'), HERALD_DELIVERY_THREAD: 'false' }), 60_000);
  after(async () => {
    herald.child.kill('SIGKILL');
    await herald.exited;
    dir.remove();
    await receiver.close();
  });
  await traceOneMessage(t, herald.url, receiver, 'herald-one-thread', { api: 'embedded', delivery: 'embedded' });
});

const database = await postgresTestDatabase();
if (database) {
  test('PostgreSQL mode: the trace goes from the api process, through the database, to the attempts of a worker process', async (t) => {
    const receiver = await startReceiver();
    const cluster = new PostgresCluster(database.url, otelEnv(collector, 'herald-cluster'));
    after(async () => {
      await cluster.stopAll();
      await receiver.close();
    });
    const [api] = await Promise.all([cluster.spawn('api'), cluster.spawn('worker')]);
    await traceOneMessage(t, api!.url, receiver, 'herald-cluster', { api: 'api', delivery: 'worker' });
  });
}

test('without OTEL_* variables no traceparent is sent, and nothing reaches a collector', async () => {
  const receiver = await startReceiver();
  const dir = tempDir();
  const herald = await spawnHerald(testEnv(dir.path, { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_EXPORTER: '' }), 60_000);
  after(async () => {
    herald.child.kill('SIGKILL');
    await herald.exited;
    dir.remove();
    await receiver.close();
  });
  const before = collector.spans.length;
  const app = await callApi<{ id: string }>(herald.url, 'POST', '/api/v1/app', { name: 'untraced' });
  await callApi(herald.url, 'POST', `/api/v1/app/${app.id}/endpoint`, { url: receiver.url });
  await callApi(herald.url, 'POST', `/api/v1/app/${app.id}/msg`, { eventType: 'order.paid', payload: {} });
  const [request] = await receiver.waitFor(1, 20_000);
  assert.equal(request!.headers.traceparent, undefined);
  assert.ok(request!.headers['webhook-signature']);
  assert.equal(collector.spans.length, before);
});
