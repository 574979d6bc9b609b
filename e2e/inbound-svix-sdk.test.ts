import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sign as githubSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { TEST_ADMIN_TOKEN, bearerFetch, cleanupList, eventually, spawnHerald, startReceiver, tempDir, testEnv } from '@herald/testing';

const cleanups = cleanupList();
after(() => cleanups.run());

const GITHUB_SECRET = 'gh-e2e-secret';
const STRIPE_SECRET = 'whsec_stripe_e2e_secret';

/**
 * Herald's extension fields (filter, forwardHeaders) are not in the SDK's models, so they go on the
 * wire as JSON. A PUT replaces the endpoint, so it restates the uid and description too.
 */
async function setFilter(baseUrl: string, sourceId: string, endpointId: string, body: { url: string; uid: string; description: string; filter: unknown; forwardHeaders: string[] | null }) {
  const response = await bearerFetch(`${baseUrl}/ingest/api/v1/source/${sourceId}/endpoint/${endpointId}`, TEST_ADMIN_TOKEN, 'PUT', body);
  assert.equal(response.status, 200, await response.text());
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

/** A request log entry with each endpoint's outcome, as the Herald extension route shows it. */
interface LoggedRequest {
  id: string; verdict: string; rejectReason: string | null; duplicateOf: string | null; duplicates: number; body: string | null;
  outcomes?: Array<{ endpointId: string; outcome: string; reason: string | null; msgId: string | null; attempts: Array<{ status: number }> }>;
}

/**
 * Issue 12's "Done when": the official svix SDK's ingest resource sets up a GitHub and a Stripe
 * source with two filtered endpoints each against a real Herald process; requests signed with the
 * providers' own libraries arrive at exactly the endpoints whose filters match, once each, with the
 * original bytes, signed with that endpoint's secret. Duplicates, filtered and forged requests are in
 * the request log and reach nobody.
 */
test('svix.ingest sources and filtered endpoints route signed GitHub and Stripe requests: exactly the matching forwards, once, byte for byte', async () => {
  const receiver = await startReceiver();
  const dir = tempDir();
  cleanups.add(() => dir.remove());
  cleanups.add(() => receiver.close());
  const herald = await spawnHerald(testEnv(dir.path));
  cleanups.add(async () => {
    herald.child.kill('SIGKILL');
    await herald.exited;
  });
  const svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: herald.url, numRetries: 0 } as never);

  const github = await svix.ingest.source.create({ name: 'GitHub', uid: 'github', type: 'github', config: { secret: GITHUB_SECRET } });
  const stripe = await svix.ingest.source.create({ name: 'Stripe', uid: 'stripe', type: 'stripe', config: { secret: STRIPE_SECRET } });
  assert.ok(github.ingestUrl?.startsWith(`${herald.url}/in/`), github.ingestUrl ?? 'no ingestUrl');
  assert.notEqual(github.ingestUrl, stripe.ingestUrl);

  const endpoints: Record<string, { id: string; sourceId: string; secret: string; url: string }> = {};
  const filters: Record<string, [typeof github, unknown, string[] | null]> = {
    ci: [github, { headers: { 'X-GitHub-Event': 'push' }, body: { ref: 'refs/heads/main' } }, ['x-github-event']],
    reviews: [github, { headers: { 'x-github-event': 'pull_request' }, body: { action: { $in: ['opened', 'reopened'] } } }, null],
    billing: [stripe, { body: { type: { $startsWith: 'invoice.' } } }, null],
    large: [stripe, { body: { data: { object: { amount: { $gte: 10_000 } } } } }, null],
  };
  for (const [name, [source, filter, forwardHeaders]] of Object.entries(filters)) {
    const url = `${receiver.url}/${name}`;
    const endpoint = await svix.ingest.endpoint.create(source.id, { url, uid: name, description: name });
    await setFilter(herald.url, source.id, endpoint.id, { url, uid: name, description: name, filter, forwardHeaders });
    endpoints[name] = { id: endpoint.id, sourceId: source.id, url, secret: (await svix.ingest.endpoint.getSecret(source.id, endpoint.id)).key };
  }
  assert.equal((await svix.ingest.endpoint.list(github.id)).data.length, 2);
  assert.equal((await svix.ingest.endpoint.get(stripe.id, 'large')).id, endpoints.large!.id);

  // Bodies with odd spacing, key order and escapes, so "byte for byte" can fail.
  const sendGithub = async (event: string, delivery: string, body: string, secret = GITHUB_SECRET) =>
    post(github.ingestUrl!, body, { 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': await githubSign(secret, body) });
  const sendStripe = (body: string, secret = STRIPE_SECRET) =>
    post(stripe.ingestUrl!, body, { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }) });

  const pushMain = '{ "ref" : "refs/heads/main",\n  "after": "c0ffee", "repository": {"full_name": "acme/shop"}, "note": "caf\\u00e9 \u00e9" }';
  const pushFeature = '{"ref":"refs/heads/feature","after":"beef"}';
  const prOpened = '{"action":"opened","number":7,"pull_request":{"title":"Fix \\"quotes\\""}}';
  const prClosed = '{"action":"closed","number":7}';
  const invoicePaid = '{"id":"evt_invoice_1","type":"invoice.paid","data":{"object":{"amount":2500}}}';
  const invoiceLarge = '{"id":"evt_invoice_2","type":"invoice.payment_succeeded","data":{"object":{"amount":12000}}}';
  const chargeLarge = '{"id":"evt_charge_1","type":"charge.succeeded","data":{"object":{"amount":20000,"currency":"eur"}}}';
  const chargeSmall = '{"id":"evt_charge_2","type":"charge.succeeded","data":{"object":{"amount":500}}}';

  const answers: Array<[string, Response]> = [
    ['push main', await sendGithub('push', 'gh-d1', pushMain)],
    ['push feature', await sendGithub('push', 'gh-d2', pushFeature)],
    ['pr opened', await sendGithub('pull_request', 'gh-d3', prOpened)],
    ['pr closed', await sendGithub('pull_request', 'gh-d4', prClosed)],
    ['push main again', await sendGithub('push', 'gh-d1', pushMain)],
    ['invoice paid', await sendStripe(invoicePaid)],
    ['invoice large', await sendStripe(invoiceLarge)],
    ['charge large', await sendStripe(chargeLarge)],
    ['charge small', await sendStripe(chargeSmall)],
    ['invoice paid again', await sendStripe(invoicePaid)],
  ];
  for (const [what, response] of answers) assert.equal(response.status, 200, `${what}: ${await response.text()}`);
  const forgedGithub = await sendGithub('push', 'gh-d9', pushMain.replace('c0ffee', 'c0ffef'), 'not-the-secret');
  const tamperedStripe = await post(stripe.ingestUrl!, chargeLarge.replace('20000', '20001'),
    { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: chargeLarge, secret: STRIPE_SECRET }) });
  const unsigned = await post(github.ingestUrl!, pushMain, { 'x-github-event': 'push', 'x-github-delivery': 'gh-d10' });
  assert.deepEqual([forgedGithub.status, tamperedStripe.status, unsigned.status], [401, 401, 401]);

  const expected: Array<[string, string]> = [
    ['ci', pushMain], ['reviews', prOpened], ['billing', invoicePaid], ['billing', invoiceLarge], ['large', invoiceLarge], ['large', chargeLarge],
  ];

  // Routing is done when every accepted request has its outcomes and every forward its successful attempt;
  // only then can "nothing else arrived" be asserted.
  const log = async (sourceId: string): Promise<LoggedRequest[]> => {
    const page = (await (await bearerFetch(`${herald.url}/ingest/api/v1/source/${sourceId}/request?limit=50`, TEST_ADMIN_TOKEN)).json()) as { data: LoggedRequest[] };
    return Promise.all(page.data.map(async (entry) =>
      (await (await bearerFetch(`${herald.url}/ingest/api/v1/source/${sourceId}/request/${entry.id}`, TEST_ADMIN_TOKEN)).json()) as LoggedRequest));
  };
  let last: unknown;
  const settled = await eventually(async () => {
    const all = [...await log(github.id), ...await log(stripe.id)];
    last = { received: receiver.requests.map((request) => request.path), log: all.map((entry) => ({ verdict: entry.verdict, reason: entry.rejectReason, outcomes: entry.outcomes?.map((outcome) => [outcome.outcome, outcome.attempts.map((attempt) => attempt.status)]) })) };
    const routed = all.filter((entry) => entry.verdict === 'accepted').every((entry) => entry.outcomes!.length === 2
      && entry.outcomes!.every((outcome) => outcome.outcome !== 'forwarded' || outcome.attempts.some((attempt) => attempt.status === 0 /* Svix's MessageStatus.Success */)));
    return routed && receiver.requests.length >= expected.length ? all : undefined;
  }, 30_000, 'every accepted request routed and every forward delivered').catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(last)}`);
  });

  const arrived = receiver.requests.map((request) => [request.path.replace('/webhook/', ''), request.body] as [string, string]);
  const key = ([name, body]: [string, string]) => `${name} ${body}`;
  assert.deepEqual(arrived.map(key).sort(), expected.map(key).sort(), 'exactly the routed forwards, once each, with the bytes as sent');

  for (const request of receiver.requests) {
    const name = request.path.replace('/webhook/', '');
    const own = endpoints[name]!;
    assert.doesNotThrow(() => new Webhook(own.secret).verify(request.body, request.headers), `${name}: signed with its own secret`);
    for (const [other, endpoint] of Object.entries(endpoints)) {
      if (other !== name) assert.throws(() => new Webhook(endpoint.secret).verify(request.body, request.headers), `${name} is not signed with ${other}'s secret`);
    }
    assert.equal(request.headers['x-hub-signature-256'], undefined, 'the provider\'s signature is not passed on');
    assert.equal(request.headers['stripe-signature'], undefined);
  }
  const ci = receiver.requests.find((request) => request.path.endsWith('/ci'))!;
  assert.equal(ci.headers['x-github-event'], 'push', 'a header the endpoint lists is passed on');
  assert.equal(receiver.requests.find((request) => request.path.endsWith('/reviews'))!.headers['x-github-event'], undefined, 'one it does not list is not');
  // One request routed to two endpoints is one message: both carry the same webhook-id.
  const invoiceForwards = receiver.requests.filter((request) => request.body === invoiceLarge);
  assert.equal(new Set(invoiceForwards.map((request) => request.headers['webhook-id'])).size, 1);

  // The request log: every request, with its verdict and why it went where it went.
  const byBody = (body: string, verdict: string) => settled.filter((entry) => entry.body === body && entry.verdict === verdict);
  assert.equal(settled.length, 13);
  for (const body of [pushMain, invoicePaid]) {
    const [original] = byBody(body, 'accepted');
    const [duplicate] = byBody(body, 'duplicate');
    assert.ok(original && duplicate, `${body}: an accepted original and a recorded duplicate`);
    assert.equal(duplicate.duplicateOf, original.id);
    assert.equal(original.duplicates, 1);
    assert.deepEqual(duplicate.outcomes, [], 'a duplicate is routed no second time');
  }
  const outcomesOf = (body: string) => Object.fromEntries(byBody(body, 'accepted')[0]!.outcomes!.map((outcome) =>
    [Object.entries(endpoints).find(([, endpoint]) => endpoint.id === outcome.endpointId)![0], outcome.outcome]));
  assert.deepEqual(outcomesOf(pushFeature), { ci: 'filtered', reviews: 'filtered' });
  assert.deepEqual(outcomesOf(prClosed), { ci: 'filtered', reviews: 'filtered' });
  assert.deepEqual(outcomesOf(chargeSmall), { billing: 'filtered', large: 'filtered' });
  assert.deepEqual(outcomesOf(pushMain), { ci: 'forwarded', reviews: 'filtered' });
  assert.deepEqual(outcomesOf(invoiceLarge), { billing: 'forwarded', large: 'forwarded' });
  for (const entry of settled.flatMap((request) => request.outcomes ?? []).filter((outcome) => outcome.outcome === 'filtered')) {
    assert.ok(entry.reason && entry.reason.length > 0, 'a filtered outcome says why');
  }
  const rejected = settled.filter((entry) => entry.verdict === 'rejected');
  assert.equal(rejected.length, 3);
  for (const entry of rejected) {
    assert.match(entry.rejectReason ?? '', /^verification_failed: (bad|missing)_signature$/);
    assert.deepEqual(entry.outcomes, []);
  }
  const rejectedList = (await (await bearerFetch(`${herald.url}/ingest/api/v1/source/${github.id}/request?verdict=rejected`, TEST_ADMIN_TOKEN)).json()) as { data: LoggedRequest[] };
  assert.equal(rejectedList.data.length, 2, 'the log filters by verdict');

  herald.child.kill('SIGTERM');
  await herald.exited;
});
