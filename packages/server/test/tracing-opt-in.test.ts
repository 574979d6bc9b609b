import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { apiClient, startReceiver, startTestHerald } from '@herald/testing';
import { ConfigError, loadConfig } from '../src/config.ts';
import { startTracing, tracingSettings } from '../src/tracing/index.ts';

/** OpenTelemetry's SDK and exporters are CommonJS: once imported, even from ESM, they sit in require's cache. */
const loadedSdkModules = () => Object.keys(createRequire(import.meta.url).cache)
  .filter((path) => /@opentelemetry[\\/](sdk-trace|exporter-|otlp-|context-async-hooks|resources)/.test(path));

// First in this file: nothing before it may have loaded OpenTelemetry.
test('a Herald started without OTEL_* variables loads no OpenTelemetry SDK or exporter, even as it delivers', async () => {
  const receiver = await startReceiver();
  const herald = await startTestHerald({ HERALD_DELIVERY_THREAD: 'false' });
  try {
    const api = apiClient(herald.url, herald.token);
    const app = (await api('POST', '/app', { name: 'untraced' })).body as { id: string };
    await api('POST', `/app/${app.id}/endpoint`, { url: receiver.url });
    assert.equal((await api('POST', `/app/${app.id}/msg`, { eventType: 'a.b', payload: {} })).status, 202);
    await receiver.waitFor(1);
    assert.deepEqual(loadedSdkModules(), []);
  } finally {
    await herald.stop();
    await receiver.close();
  }
  // The same check sees them once tracing starts, so the empty list above means something.
  const tracing = await startTracing({ exporters: ['console'], protocol: 'http/json' }, 'test');
  assert.ok(tracing);
  assert.notDeepEqual(loadedSdkModules(), []);
  await tracing.shutdown();
});

test('tracing is off unless an OTEL_* variable asks for an exporter or an OTLP endpoint', () => {
  const settings = (env: Record<string, string>) => tracingSettings(env).settings;
  assert.equal(settings({}), null);
  assert.equal(settings({ OTEL_SERVICE_NAME: 'herald' }), null, 'a service name alone exports nothing');
  assert.equal(settings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), null);
  assert.equal(settings({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), null);
  assert.equal(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }), null, 'an empty variable is an unset one');
  assert.deepEqual(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), { exporters: ['otlp'], protocol: 'http/protobuf' });
  assert.deepEqual(settings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    { exporters: ['otlp'], protocol: 'http/json' });
  assert.deepEqual(settings({ OTEL_TRACES_EXPORTER: 'console,otlp' }), { exporters: ['console', 'otlp'], protocol: 'http/protobuf' });
});

test('an exporter or protocol Herald cannot use stops it at start with a message saying what to set', () => {
  assert.throws(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }), (error: unknown) =>
    error instanceof ConfigError && /OTEL_TRACES_EXPORTER must be otlp, console or none/.test(error.message));
  assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), (error: unknown) =>
    error instanceof ConfigError && /http\/protobuf or http\/json/.test(error.message));
  assert.equal(loadConfig({}).tracing, null);
  assert.deepEqual(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing, { exporters: ['otlp'], protocol: 'http/protobuf' });
});
