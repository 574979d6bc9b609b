import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { tempDir } from '@herald/testing';
import { runCli } from './run-cli.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const files = tempDir('herald-verify-');
after(() => files.remove());

function captured(body: string, timestamp: Date, secret = SECRET) {
  const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  return { headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, timestamp, body) }, body };
}

function saved(name: string, request: object): string {
  const path = join(files.path, name);
  writeFileSync(path, JSON.stringify(request));
  return path;
}

test('verify exits 0 for a genuine request and 3 with the reason for a tampered, stale or unsigned one', async () => {
  const body = '{"id":"ord_1","amount":1200}';
  const genuine = captured(body, new Date());
  const stale = captured(body, new Date(Date.now() - 3_600_000));
  const [valid, tampered, tooOld, oldButAccepted, fromFlags, unsigned] = await Promise.all([
    runCli(['verify', '--secret', SECRET, '--file', saved('genuine.json', genuine)]),
    runCli(['verify', '--secret', SECRET, '--file', saved('tampered.json', { ...genuine, body: body.replace('1200', '1') })]),
    runCli(['verify', '--secret', SECRET, '--file', saved('stale.json', stale)]),
    runCli(['--json', 'verify', '--secret', SECRET, '--tolerance', '0', '--file', '-'], {}, JSON.stringify(stale)),
    runCli(['verify', '--secret', SECRET, ...Object.entries(genuine.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]), '--body', body]),
    runCli(['verify', '--secret', SECRET, '--file', saved('unsigned.json', { headers: { 'webhook-id': 'msg_1' }, body })]),
  ]);
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /^valid: signed by this secret \(webhook-id msg_2KWPBgLlAfxdpx2AI54pPJ85f4W\)/);
  assert.equal(tampered.code, 3);
  assert.match(tampered.stderr, /invalid: no signature matches/);
  assert.equal(tooOld.code, 3);
  assert.match(tooOld.stderr, /timestamp is 36\d\d s old, outside the 300 s window/);
  assert.equal(oldButAccepted.code, 0, oldButAccepted.stderr);
  assert.deepEqual(JSON.parse(oldButAccepted.stdout), { valid: true, msgId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' });
  assert.equal(fromFlags.code, 0, fromFlags.stderr);
  assert.equal(unsigned.code, 3);
  assert.match(unsigned.stderr, /missing headers webhook-timestamp, webhook-signature/);
});

test('a request signed with another secret does not verify', async () => {
  const other = captured('{}', new Date(), 'whsec_' + Buffer.alloc(24, 7).toString('base64'));
  const result = await runCli(['verify', '--secret', SECRET, '--file', saved('other.json', other)]);
  assert.equal(result.code, 3);
  assert.match(result.stderr, /wrong secret/);
});
