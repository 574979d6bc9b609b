import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, startTestHerald, tempDir, type Receiver, type TestHerald } from '@herald/testing';
import { connectionEnv, runCli, startCli } from './run-cli.ts';

const GITHUB_SECRET = 'It is a secret to everybody';

interface RequestLine {
  id: string;
  verdict: string;
  rejectReason: string | null;
  eventType: string;
  method: string;
}

/**
 * `herald source ...` and `herald listen --source` against a real Herald: requests are signed with
 * GitHub's own library and posted to the ingest URL the CLI printed, as GitHub would post them.
 */
describe('herald source and listen --source against a real Herald', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let env: Record<string, string>;
  let ingestUrl: string;
  const files = tempDir('herald-cli-source-');

  /** A GitHub delivery: its own id, signed with `secret` (the right one unless a test says otherwise). */
  const postGitHub = async (payload: object, secret = GITHUB_SECRET): Promise<{ status: number; body: string }> => {
    const body = JSON.stringify(payload);
    const response = await fetch(ingestUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(),
        'x-hub-signature-256': await sign(secret, body),
      },
      body,
    });
    return { status: response.status, body: await response.text() };
  };
  const requestLines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as RequestLine);

  before(async () => {
    // Private targets refused, as in production: the local receiver is reached only through the listen relay.
    herald = await startTestHerald({ HERALD_ALLOW_PRIVATE_TARGETS: 'false' });
    receiver = await startReceiver();
    env = connectionEnv(herald);
  });
  after(async () => {
    await receiver.close();
    await herald.stop();
    files.remove();
  }, { timeout: 20_000 });

  test('source create prints the id and the ingest URL; get, list and delete find it by uid; secrets are never printed', async () => {
    const secretFile = join(files.path, 'github-secret.txt');
    writeFileSync(secretFile, `${GITHUB_SECRET}\n`);
    const created = await runCli(['source', 'create', 'GitHub', '--uid', 'github', '--type', 'github', '--secret', `@${secretFile}`], env);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    assert.match(id, /^src_[0-9A-Za-z]+$/);
    const printed = /ingest URL \(give it to the provider\): (\S+)/.exec(created.stderr);
    assert.ok(printed, created.stderr);
    ingestUrl = printed[1]!;
    assert.ok(ingestUrl.startsWith(herald.url), `${ingestUrl} is on Herald's public URL`);

    const shown = await runCli(['--json', 'source', 'get', 'github'], env);
    assert.equal(shown.code, 0, shown.stderr);
    const source = JSON.parse(shown.stdout) as { id: string; uid: string; name: string; type: string; ingestUrl: string };
    assert.deepEqual([source.id, source.uid, source.name, source.type, source.ingestUrl], [id, 'github', 'GitHub', 'github', ingestUrl]);

    const table = await runCli(['source', 'get', 'github'], env);
    assert.match(table.stdout, new RegExp(`^ingestUrl\\s+${ingestUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const output of [created.stdout + created.stderr, shown.stdout, table.stdout]) {
      assert.ok(!output.includes(GITHUB_SECRET), 'the signing secret is not printed');
    }

    await runCli(['source', 'create', 'Doomed', '--uid', 'doomed', '--type', 'generic-webhook'], env);
    const listed = await runCli(['source', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ID\s+UID\s+NAME\s+TYPE\s+DISABLED\s+INGEST URL$/);
    assert.ok(lines.some((line) => new RegExp(`^${id}\\s+github\\s+GitHub\\s+github\\s+false\\s+`).test(line)), listed.stdout);
    assert.ok(lines.some((line) => /\sdoomed\s+Doomed\s+generic-webhook\s/.test(line)), listed.stdout);

    const deleted = await runCli(['source', 'delete', 'doomed'], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await runCli(['source', 'get', 'doomed'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404/);
  });

  test('source requests shows accepted and rejected requests with the cause; --verdict narrows the log', async () => {
    assert.equal((await postGitHub({ ref: 'refs/heads/main', n: 1 })).status, 200);
    const forged = await postGitHub({ ref: 'refs/heads/main', n: 2 }, 'not the secret');
    assert.equal(forged.status, 401);

    const all = await runCli(['--json', 'source', 'requests', 'github'], env);
    assert.equal(all.code, 0, all.stderr);
    const lines = requestLines(all.stdout);
    assert.deepEqual(lines.map((line) => [line.method, line.verdict]), [['POST', 'accepted'], ['POST', 'rejected']], 'oldest first');
    assert.equal(lines[0]!.eventType, 'push');
    assert.match(lines[1]!.rejectReason ?? '', /verification_failed/);

    const rejected = await runCli(['--json', 'source', 'requests', 'github', '--verdict', 'rejected'], env);
    assert.deepEqual(requestLines(rejected.stdout).map((line) => line.id), [lines[1]!.id]);

    const table = await runCli(['source', 'requests', 'github'], env);
    assert.match(table.stdout, new RegExp(`^\\S+Z  ${lines[0]!.id}  POST  accepted  push  `, 'm'));
    assert.match(table.stdout, new RegExp(`^\\S+Z  ${lines[1]!.id}  POST  rejected  verification_failed`, 'm'));

    const unknown = await runCli(['source', 'requests', 'no-such-source'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404/);
  });

  test('source requests --follow prints requests as they arrive, and only new ones', async () => {
    const follow = startCli(['--json', 'source', 'requests', 'github', '--follow', '--limit', '1', '--count', '2', '--interval', '200'], env);
    await follow.waitForOutput(/following requests of github/);
    const before = requestLines(follow.stdout());
    assert.equal(before.length, 1, 'the latest request is shown first');

    assert.equal((await postGitHub({ n: 3 })).status, 200);
    assert.equal((await postGitHub({ n: 4 }, 'wrong')).status, 401);
    const done = await follow.exited;
    assert.equal(done.code, 0, done.stderr);
    const followed = requestLines(done.stdout).slice(1);
    assert.deepEqual(followed.map((line) => line.verdict), ['accepted', 'rejected']);
    assert.ok(!followed.some((line) => line.id === before[0]!.id), 'a request already shown is not shown again');
  });

  test('listen --source forwards each verified request to the local URL, byte for byte and signed; forged ones never', async () => {
    receiver.requests.length = 0;
    const cli = startCli(['--json', 'listen', '--source', 'github', '--forward-to', receiver.url, '--forward-headers', 'X-GitHub-Event'], env);
    const [line] = await cli.waitForOutput(/^\{"type":"ready".*\}$/m);
    const { secret } = JSON.parse(line) as { endpointId: string; secret: string };

    assert.equal((await postGitHub({ ref: 'refs/heads/feature' }, 'forged')).status, 401);
    const payload = { ref: 'refs/heads/main', commits: [{ id: 'abc', message: 'ünïcode ✓' }] };
    assert.equal((await postGitHub(payload)).status, 200);
    const [forwarded] = await receiver.waitFor(1, 15_000);
    assert.equal(forwarded!.body, JSON.stringify(payload), 'the body arrives byte for byte');
    assert.doesNotThrow(() => new Webhook(secret).verify(forwarded!.body, forwarded!.headers), 'signed with the session secret');
    assert.equal(forwarded!.headers['x-github-event'], 'push', 'the provider header asked for goes along');
    assert.equal(forwarded!.headers['x-github-delivery'], undefined, 'one not asked for does not');
    assert.equal(forwarded!.headers['x-hub-signature-256'], undefined);
    await eventually(async () => (/"type":"delivery".*"status":200/.test(cli.stdout()) ? true : undefined), 10_000, 'the CLI to report the delivery');
    assert.equal(receiver.requests.length, 1, 'the forged request was not forwarded');

    // A replay routes the stored bytes again: the listening session, one of the source's endpoints now, gets them once more.
    const [latest] = requestLines((await runCli(['--json', 'source', 'requests', 'github', '--verdict', 'accepted', '--limit', '1'], env)).stdout);
    const replayed = await runCli(['source', 'replay', 'github', latest!.id], env);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stdout.trim(), latest!.id);
    const [, again] = await receiver.waitFor(2, 15_000);
    assert.equal(again!.body, JSON.stringify(payload));
    assert.notEqual(again!.headers['webhook-id'], forwarded!.headers['webhook-id'], 'a replay is a new message');
    const bulk = await runCli(['source', 'replay', 'github', '--since', new Date(Date.now() - 3_600_000).toISOString()], env);
    assert.equal(bulk.code, 0, bulk.stderr);
    assert.ok(Number(bulk.stdout.trim()) >= 3, `every accepted request of the last hour is replayed (${bulk.stdout.trim()})`);

    cli.child.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });

  test('usage errors exit 2: --app with --source, --events with --source, --secret with --config, replay without a request or time', async () => {
    const [both, events, secretAndConfig, replayNothing, badTime] = await Promise.all([
      runCli(['listen', '--app', 'a', '--source', 'github', '--forward-to', receiver.url], env),
      runCli(['listen', '--source', 'github', '--events', 'push', '--forward-to', receiver.url], env),
      runCli(['source', 'create', 'X', '--type', 'github', '--secret', 's', '--config', '{"secret":"s"}'], env),
      runCli(['source', 'replay', 'github'], env),
      runCli(['source', 'replay', 'github', '--since', 'yesterday'], env),
    ]);
    const reserved = await runCli(['listen', '--source', 'github', '--forward-headers', 'webhook-signature', '--forward-to', receiver.url], env);
    assert.equal(reserved.code, 1);
    assert.match(reserved.stderr, /refused the listen session: 422 .*"webhook-signature" cannot be forwarded/);
    assert.equal(replayNothing.code, 2);
    assert.match(replayNothing.stderr, /give a request id, or --since/);
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /not an RFC 3339 time/);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give either --app or --source/);
    assert.equal(events.code, 2);
    assert.match(events.stderr, /--events applies to --app only/);
    assert.equal(secretAndConfig.code, 2);
    assert.match(secretAndConfig.stderr, /--secret or --config, not both/);
  });
});
