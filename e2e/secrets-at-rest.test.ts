import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { SecretBox, signingKey, signPayload } from '@herald/core';
import { ConfigError, createLogger, loadConfig, startHerald, type RunningHerald } from '@herald/server';
import { TEST_ADMIN_TOKEN, eventually, startReceiver, tempDir, testEnv, type ReceivedRequest } from '@herald/testing';

const dir = tempDir();
const running = new Set<RunningHerald>();
after(async () => {
  // A failed assertion leaves the current Herald running: stop it, so the failure is reported, not a hang.
  await Promise.all([...running].map((herald) => herald.stop()));
  dir.remove();
});
const logLines: string[] = [];
const key = () => randomBytes(32).toString('base64');
const [K1, K2, WRONG] = [key(), key(), key()];
const OPERATIONAL_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

async function start(env: Record<string, string>): Promise<RunningHerald> {
  // The delivery thread (which opens secrets on its own connection) is used only where deliveries are checked.
  const config = loadConfig(testEnv(dir.path, { HERALD_LOG_LEVEL: 'debug', HERALD_DELIVERY_THREAD: 'false', ...env }));
  const herald = await startHerald(config, createLogger('debug', { write: (line: string) => void logLines.push(line) }));
  running.add(herald);
  return herald;
}

function api(herald: RunningHerald, token = TEST_ADMIN_TOKEN) {
  return async <T>(method: string, path: string, json?: unknown): Promise<T> => {
    const response = await fetch(herald.url + path, {
      method,
      body: json === undefined ? undefined : JSON.stringify(json),
      headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
}

/** Everything an attacker with the data directory and the logs would read. */
function exposedBytes(): Buffer {
  const files = ['herald.db', 'herald.db-wal'].map((name) => join(dir.path, name)).filter((path) => existsSync(path));
  return Buffer.concat([...files.map((path) => readFileSync(path)), Buffer.from(logLines.join(''))]);
}

function signedWith(secret: string, request: ReceivedRequest): boolean {
  const expected = signPayload(signingKey(secret), request.headers['webhook-id']!, Number(request.headers['webhook-timestamp']), request.body);
  return request.headers['webhook-signature']!.split(' ').includes(expected);
}

function assertNothingLeaks(needles: string[]): void {
  const haystack = exposedBytes();
  for (const needle of needles) {
    const forms = [needle, needle.replace(/^whsec_/, '')];
    for (const form of forms) assert.equal(haystack.indexOf(form), -1, `"${form.slice(0, 12)}…" appears in the database, WAL or logs`);
    if (needle.startsWith('whsec_')) assert.equal(haystack.indexOf(signingKey(needle) as Buffer), -1, 'the raw key bytes appear');
  }
}

test('secrets and tokens never reach the database or the logs in plaintext, across secret and key rotation', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const needles: string[] = [TEST_ADMIN_TOKEN, OPERATIONAL_SECRET];
  const secrets = new Map<string, string>();

  // Zero configuration: a key file is made, private to its owner, and the log says so.
  const first = await start({ HERALD_OPERATIONAL_WEBHOOK_URLS: receiver.url, HERALD_OPERATIONAL_WEBHOOK_SECRET: OPERATIONAL_SECRET });
  const keyFile = join(dir.path, 'encryption.key');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.match(logLines.join(''), /HERALD_ENCRYPTION_KEY/);
  await first.stop();
  const generatedKey = readFileSync(keyFile, 'utf8').trim();

  // Move to a configured key: the generated one is listed second, so its secrets still open.
  let herald = await start({ HERALD_ENCRYPTION_KEY: `${K1},${generatedKey}` });
  let call = api(herald);
  const app = await call<{ id: string }>('POST', '/api/v1/app', { name: 'secrets' });
  const chosen = `whsec_${randomBytes(24).toString('base64')}`;
  needles.push(chosen);
  const withChosen = await call<{ id: string }>('POST', `/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/a`, secret: chosen });
  const withGenerated = await call<{ id: string }>('POST', `/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/b` });
  secrets.set(withChosen.id, chosen);
  const generated = (await call<{ key: string }>('GET', `/api/v1/app/${app.id}/endpoint/${withGenerated.id}/secret`)).key;
  needles.push(generated);
  const rotatedTo = `whsec_${randomBytes(24).toString('base64')}`;
  needles.push(rotatedTo);
  await call('POST', `/api/v1/app/${app.id}/endpoint/${withGenerated.id}/secret/rotate`, { key: rotatedTo });
  secrets.set(withGenerated.id, rotatedTo);

  const organisation = await call<{ token: string }>('POST', '/api/v1/auth/token', { description: 'ci', scopes: ['read', 'write'] });
  const portal = await call<{ token: string }>('POST', `/api/v1/auth/app-portal-access/${app.id}`, {});
  needles.push(organisation.token, portal.token);
  await api(herald, organisation.token)('GET', '/api/v1/app');
  await api(herald, portal.token)('POST', `/api/v1/app/${app.id}/msg`, { eventType: 'order.paid', payload: { n: 1 } });
  await fetch(`${herald.url}/api/v1/app`, { headers: { authorization: `Bearer ${portal.token}x` } });
  assertNothingLeaks(needles);
  await herald.stop();

  // Rotate the encryption key: K2 seals, K1 still opens; the start seals everything under K2.
  herald = await start({ HERALD_ENCRYPTION_KEY: `${K2},${K1}` });
  await herald.stop();
  // K1 is gone now, and every secret still opens and signs.
  herald = await start({ HERALD_ENCRYPTION_KEY: K2, HERALD_DELIVERY_THREAD: 'true', HERALD_OPERATIONAL_WEBHOOK_URLS: receiver.url, HERALD_OPERATIONAL_WEBHOOK_SECRET: OPERATIONAL_SECRET });
  call = api(herald);
  for (const [endpointId, secret] of secrets) {
    assert.equal((await call<{ key: string }>('GET', `/api/v1/app/${app.id}/endpoint/${endpointId}/secret`)).key, secret);
  }
  await call('POST', `/api/v1/app/${app.id}/msg`, { eventType: 'order.paid', payload: { n: 2 } });
  for (const [path, endpointId] of [['/a', withChosen.id], ['/b', withGenerated.id]] as const) {
    const delivery = await eventually(() => receiver.requests.find((request) => request.path.endsWith(path) && request.body === '{"n":2}'),
      15_000, `the delivery to ${path}`);
    assert.ok(signedWith(secrets.get(endpointId)!, delivery), `the delivery to ${path} is signed with the decrypted secret`);
  }
  assertNothingLeaks(needles);
  await herald.stop();
  assertNothingLeaks(needles);

  // Every stored secret, current or retired, of every endpoint opens with the remaining key alone.
  const db = new Database(join(dir.path, 'herald.db'), { readonly: true });
  const rows = db.prepare('SELECT secrets FROM endpoints').all() as Array<{ secrets: string }>;
  db.close();
  const stored = rows.flatMap((row) => (JSON.parse(row.secrets) as Array<{ key: string }>).map((secret) => secret.key));
  const opened = stored.map((sealed) => SecretBox.fromBase64([K2]).open(sealed));
  assert.ok(stored.every((sealed) => sealed.startsWith('hsec1:')));
  for (const secret of [chosen, generated, rotatedTo, OPERATIONAL_SECRET]) assert.ok(opened.includes(secret));

  // A key that opens nothing stored stops the start with a message naming the variable.
  await assert.rejects(start({ HERALD_ENCRYPTION_KEY: WRONG }), (error: unknown) =>
    error instanceof ConfigError && /HERALD_ENCRYPTION_KEY cannot open the stored endpoint secrets/.test(error.message));
});

test('a malformed HERALD_ENCRYPTION_KEY is refused with a message saying how to make one', () => {
  for (const bad of ['short', `${key()},not-32-bytes`]) {
    assert.throws(() => loadConfig(testEnv(dir.path, { HERALD_ENCRYPTION_KEY: bad })),
      (error: unknown) => error instanceof ConfigError && /HERALD_ENCRYPTION_KEY.*openssl rand -base64 32/.test(error.message));
  }
});
