import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestHerald, type TestHerald } from '@herald/testing';

/**
 * Model-based test of tenant isolation: random sequences of calls by random tokens against a real
 * Herald, checked against a model of what each tenant owns. A token never reads, changes or learns
 * of another tenant's data (404, exactly as for absent data); revoked and expired tokens get 401.
 */
const TENANTS = 3;
type Actor = { kind: 'own'; tenant: number } | { kind: 'organisation' } | { kind: 'revoked' } | { kind: 'expired' };

interface Model {
  endpoints: Array<Map<string, string>>;
  messages: Array<Set<string>>;
  /** Every endpoint and message id ever created, so that stale and foreign ids get used too. */
  endpointPool: string[];
  messagePool: string[];
  eventTypes: Set<string>;
}

interface Real {
  herald: TestHerald;
  appIds: string[];
  tokens: { own: string[]; organisation: string; revoked: string; expired: string };
}

const actorArb: fc.Arbitrary<Actor> = fc.oneof(
  { weight: 4, arbitrary: fc.nat(TENANTS - 1).map((tenant) => ({ kind: 'own' as const, tenant })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'organisation' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'revoked' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expired' as const }) },
);
const tenantArb = fc.nat(TENANTS - 1);
const pickArb = fc.nat(1_000);
const eventTypeArb = fc.constantFrom('order.paid', 'order.shipped', 'user.created');

function tokenOf(real: Real, actor: Actor): string {
  return actor.kind === 'own' ? real.tokens.own[actor.tenant]! : real.tokens[actor.kind];
}

async function call(real: Real, actor: Actor, method: string, path: string, json?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(real.herald.url + path, {
    method,
    body: json === undefined ? undefined : JSON.stringify(json),
    headers: { authorization: `Bearer ${tokenOf(real, actor)}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** What the access rule says before the resource is even looked at; null when the call may proceed. */
function refusal(actor: Actor, tenant: number | 'catalogue-write' | 'catalogue-read'): { status: number; detail?: string } | null {
  if (actor.kind === 'revoked' || actor.kind === 'expired') return { status: 401 };
  if (actor.kind === 'organisation') return null;
  if (tenant === 'catalogue-read') return null;
  if (tenant === 'catalogue-write') return { status: 404 };
  return tenant === actor.tenant ? null : { status: 404, detail: 'Application not found.' };
}

function expectOutcome(actual: { status: number; body: unknown }, expected: { status: number; detail?: string }, what: string): void {
  assert.equal(actual.status, expected.status, `${what}: ${JSON.stringify(actual.body)}`);
  if (expected.detail) assert.equal((actual.body as { detail: string }).detail, expected.detail, what);
}

const pick = <T>(items: T[], index: number): T | undefined => (items.length === 0 ? undefined : items[index % items.length]);

class CreateEndpoint implements fc.AsyncCommand<Model, Real> {
  constructor(readonly actor: Actor, readonly tenant: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const result = await call(real, this.actor, 'POST', `/api/v1/app/${real.appIds[this.tenant]}/endpoint`,
      { url: 'http://127.0.0.1:9/hook', description: 'created' });
    const refused = refusal(this.actor, this.tenant);
    if (refused) return expectOutcome(result, refused, this.toString());
    expectOutcome(result, { status: 201 }, this.toString());
    const id = (result.body as { id: string }).id;
    model.endpoints[this.tenant]!.set(id, 'created');
    model.endpointPool.push(id);
  }
  toString = () => `createEndpoint(${JSON.stringify(this.actor)}, tenant ${this.tenant})`;
}

/** Reads, updates or deletes an endpoint id (own, foreign or deleted) through a tenant's path. */
class TouchEndpoint implements fc.AsyncCommand<Model, Real> {
  constructor(readonly actor: Actor, readonly tenant: number, readonly index: number, readonly action: 'read' | 'update' | 'delete') {}
  check = (model: Readonly<Model>) => model.endpointPool.length > 0;
  async run(model: Model, real: Real) {
    const id = pick(model.endpointPool, this.index)!;
    const path = `/api/v1/app/${real.appIds[this.tenant]}/endpoint/${id}`;
    const description = `updated-${this.index}`;
    const result = this.action === 'read' ? await call(real, this.actor, 'GET', path)
      : this.action === 'update' ? await call(real, this.actor, 'PATCH', path, { description })
        : await call(real, this.actor, 'DELETE', path);
    const refused = refusal(this.actor, this.tenant);
    if (refused) return expectOutcome(result, refused, this.toString());
    const owned = model.endpoints[this.tenant]!;
    if (!owned.has(id)) return expectOutcome(result, { status: 404, detail: 'Endpoint not found.' }, this.toString());
    if (this.action === 'read') {
      expectOutcome(result, { status: 200 }, this.toString());
      assert.equal((result.body as { description: string }).description, owned.get(id));
    } else if (this.action === 'update') {
      expectOutcome(result, { status: 200 }, this.toString());
      owned.set(id, description);
    } else {
      expectOutcome(result, { status: 204 }, this.toString());
      owned.delete(id);
    }
  }
  toString = () => `${this.action}Endpoint(${JSON.stringify(this.actor)}, tenant ${this.tenant}, #${this.index})`;
}

class ListEndpoints implements fc.AsyncCommand<Model, Real> {
  constructor(readonly actor: Actor, readonly tenant: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const result = await call(real, this.actor, 'GET', `/api/v1/app/${real.appIds[this.tenant]}/endpoint?limit=250`);
    const refused = refusal(this.actor, this.tenant);
    if (refused) return expectOutcome(result, refused, this.toString());
    expectOutcome(result, { status: 200 }, this.toString());
    const listed = (result.body as { data: Array<{ id: string; description: string }> }).data;
    assert.deepEqual(new Map(listed.map((endpoint) => [endpoint.id, endpoint.description])), model.endpoints[this.tenant]);
  }
  toString = () => `listEndpoints(${JSON.stringify(this.actor)}, tenant ${this.tenant})`;
}

class CreateMessage implements fc.AsyncCommand<Model, Real> {
  constructor(readonly actor: Actor, readonly tenant: number, readonly eventType: string) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const result = await call(real, this.actor, 'POST', `/api/v1/app/${real.appIds[this.tenant]}/msg`,
      { eventType: this.eventType, payload: { tenant: this.tenant } });
    const refused = refusal(this.actor, this.tenant);
    if (refused) return expectOutcome(result, refused, this.toString());
    expectOutcome(result, { status: 202 }, this.toString());
    const id = (result.body as { id: string }).id;
    model.messages[this.tenant]!.add(id);
    model.messagePool.push(id);
  }
  toString = () => `createMessage(${JSON.stringify(this.actor)}, tenant ${this.tenant})`;
}

class ReadMessage implements fc.AsyncCommand<Model, Real> {
  constructor(readonly actor: Actor, readonly tenant: number, readonly index: number) {}
  check = (model: Readonly<Model>) => model.messagePool.length > 0;
  async run(model: Model, real: Real) {
    const id = pick(model.messagePool, this.index)!;
    const path = `/api/v1/app/${real.appIds[this.tenant]}/msg/${id}`;
    const result = await call(real, this.actor, 'GET', path);
    const refused = refusal(this.actor, this.tenant);
    if (refused) return expectOutcome(result, refused, this.toString());
    if (!model.messages[this.tenant]!.has(id)) return expectOutcome(result, { status: 404, detail: 'Message not found.' }, this.toString());
    expectOutcome(result, { status: 200 }, this.toString());
    assert.deepEqual((result.body as { payload: unknown }).payload, { tenant: this.tenant });
    const attempts = await call(real, this.actor, 'GET', `/api/v1/app/${real.appIds[this.tenant]}/attempt/msg/${id}`);
    expectOutcome(attempts, { status: 200 }, `attempts of ${this.toString()}`);
  }
  toString = () => `readMessage(${JSON.stringify(this.actor)}, tenant ${this.tenant}, #${this.index})`;
}

class EventTypeCall implements fc.AsyncCommand<Model, Real> {
  constructor(readonly actor: Actor, readonly name: string, readonly action: 'create' | 'read') {}
  check = () => true;
  async run(model: Model, real: Real) {
    const result = this.action === 'create'
      ? await call(real, this.actor, 'POST', '/api/v1/event-type', { name: this.name, description: 'x' })
      : await call(real, this.actor, 'GET', `/api/v1/event-type/${this.name}`);
    const refused = refusal(this.actor, this.action === 'create' ? 'catalogue-write' : 'catalogue-read');
    if (refused) return expectOutcome(result, refused, this.toString());
    const exists = model.eventTypes.has(this.name);
    if (this.action === 'read') return expectOutcome(result, { status: exists ? 200 : 404 }, this.toString());
    expectOutcome(result, { status: exists ? 409 : 201 }, this.toString());
    model.eventTypes.add(this.name);
  }
  toString = () => `${this.action}EventType(${JSON.stringify(this.actor)}, ${this.name})`;
}

const commands = [
  fc.tuple(actorArb, tenantArb).map(([actor, tenant]) => new CreateEndpoint(actor, tenant)),
  fc.tuple(actorArb, tenantArb, pickArb, fc.constantFrom('read' as const, 'update' as const, 'delete' as const))
    .map(([actor, tenant, index, action]) => new TouchEndpoint(actor, tenant, index, action)),
  fc.tuple(actorArb, tenantArb).map(([actor, tenant]) => new ListEndpoints(actor, tenant)),
  fc.tuple(actorArb, tenantArb, eventTypeArb).map(([actor, tenant, type]) => new CreateMessage(actor, tenant, type)),
  fc.tuple(actorArb, tenantArb, pickArb).map(([actor, tenant, index]) => new ReadMessage(actor, tenant, index)),
  fc.tuple(actorArb, eventTypeArb, fc.constantFrom('create' as const, 'read' as const))
    .map(([actor, name, action]) => new EventTypeCall(actor, name, action)),
];

describe('tenant isolation (model-based)', () => {
  let herald: TestHerald;
  let expiredToken: string;
  const admin = async (method: string, path: string, json?: unknown) => {
    const response = await fetch(herald.url + path, {
      method,
      body: json === undefined ? undefined : JSON.stringify(json),
      headers: { authorization: `Bearer ${herald.token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    assert.ok(response.status < 300, `${method} ${path}: ${response.status}`);
    return response.status === 204 ? null : ((await response.json()) as Record<string, string>);
  };
  const portalToken = async (appId: string, expiry?: number) =>
    (await admin('POST', `/api/v1/auth/app-portal-access/${appId}`, expiry ? { expiry } : {}))!.token!;

  before(async () => {
    // The message fan-out needs no receiver: these tenants have endpoints at a closed port, and delivery is not under test.
    herald = await startTestHerald({ HERALD_DELIVERY_THREAD: 'false' });
    const app = await admin('POST', '/api/v1/app', { name: 'expired-holder' });
    expiredToken = await portalToken(app!.id!, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });
  after(() => herald.stop());

  test('no token reaches another tenant\'s endpoints, messages or attempts, and revoked or expired tokens get 401', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (sequence) => {
      run++;
      const appIds: string[] = [];
      const own: string[] = [];
      for (let tenant = 0; tenant < TENANTS; tenant++) {
        const app = await admin('POST', '/api/v1/app', { name: `tenant-${run}-${tenant}` });
        appIds.push(app!.id!);
        own.push(await portalToken(app!.id!));
      }
      const revoked = await portalToken(appIds[0]!);
      await fetch(`${herald.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${revoked}` } });
      const organisation = (await admin('POST', '/api/v1/auth/token', { description: `run ${run}` }))!.token!;
      // Event types are shared by all tenants and survive runs: start the model from what exists.
      const existing = (await admin('GET', '/api/v1/event-type?limit=250'))! as unknown as { data: Array<{ name: string }> };
      const model: Model = {
        endpoints: appIds.map(() => new Map()),
        messages: appIds.map(() => new Set()),
        endpointPool: [],
        messagePool: [],
        eventTypes: new Set(existing.data.map((type) => type.name)),
      };
      const real: Real = { herald, appIds, tokens: { own, organisation, revoked, expired: expiredToken } };
      await fc.asyncModelRun(() => ({ model, real }), sequence);
    }), { numRuns: 40 });
  });
});
