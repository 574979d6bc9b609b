import type { Logger } from 'pino';
import { ConflictError, FALLBACK_EVENT_TYPE, matchRequest, newMessage, parseInboundBody, type Endpoint, type FilterableRequest, type RequestFilter } from '@herald/core';
import type { ClaimedInboundRequest, InboundRoutingDone, RouteOutcome, Store } from '@herald/storage';
import type { MessageIngest } from '../ingest.ts';

export interface InboundRouterOptions {
  store: Store;
  /** The same ingest as POST .../msg: in embedded mode its commits go through the one writer. */
  ingest: MessageIngest;
  clock: () => number;
  logger: Logger;
  /** How long a claimed request is ours; a router that dies mid-way loses it to another after this. */
  leaseMs?: number;
  /** Requests claimed at once. */
  batch?: number;
  /** With nothing to route, look again after this long (sooner when woken). */
  idleMs?: number;
  /** Called before each claim: a router whose store caches endpoints that another connection changes drops that cache here. */
  beforeBatch?: () => void;
}

/**
 * Routes accepted inbound requests to their source's ingest endpoints: claim (leased, fenced) →
 * evaluate every endpoint (disabled, filter) → ONE message to exactly the endpoints that matched →
 * complete, fenced, with every endpoint's outcome. The message's eventId is the request id (round
 * 0) or `<id>.r<round>` (replays), and an application never holds two messages with one eventId: a
 * router that dies between the message and the completion routes the request again, finds its
 * message already there, and completes with it. So a request is forwarded at least once, always
 * under the same webhook-id, and receivers de-duplicate.
 */
export class InboundRouter {
  private stopped = true;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(private readonly options: InboundRouterOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /** New requests were accepted in this process: look now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.running;
  }

  /**
   * Claims one batch and routes it; the number of requests claimed. Each source's endpoints are read
   * once per batch, the members' messages share one group commit, and the whole batch completes in
   * one transaction (each member fenced on its own).
   */
  async routeBatch(): Promise<number> {
    const { store, clock, logger } = this.options;
    this.options.beforeBatch?.();
    const claimed = await store.claimInboundRequests(this.options.batch ?? 64, this.options.leaseMs ?? 30_000, clock());
    if (claimed.length === 0) return 0;
    const endpointsOf = new Map<string, Promise<Endpoint[]>>();
    const done = await Promise.all(claimed.map(async (claim) => {
      try {
        let endpoints = endpointsOf.get(claim.source.appId);
        if (!endpoints) endpointsOf.set(claim.source.appId, endpoints = store.allEndpoints(claim.source.appId));
        return await this.evaluate(claim, await endpoints);
      } catch (error) {
        // Left leased: once the lease runs out the request is claimed and routed again.
        logger.warn({ err: error, requestId: claim.request.id }, 'could not route an inbound request; it will be tried again');
        return undefined;
      }
    }));
    const ready = done.filter((one): one is InboundRoutingDone => one !== undefined);
    try {
      const completed = await store.completeInboundRoutings(ready, clock());
      completed.forEach((applied, index) => {
        if (!applied) logger.info({ requestId: ready[index]!.requestId }, 'another router took this inbound request over; its outcomes stand');
      });
    } catch (error) {
      // Their messages stand; routed again after the lease, each finds its message and completes with it.
      logger.warn({ err: error, requests: ready.length }, 'could not complete routed inbound requests; they will be tried again');
    }
    return claimed.length;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      let claimed = 0;
      try {
        claimed = await this.routeBatch();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'could not claim inbound requests to route; trying again');
      }
      if (claimed === 0 && !this.woken && !this.stopped) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.idleMs ?? 250);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  /** Routes one claimed request on its own: evaluate, message, complete. */
  async route(claim: ClaimedInboundRequest): Promise<boolean> {
    const { store, clock } = this.options;
    const done = await this.evaluate(claim, await store.allEndpoints(claim.source.appId));
    const completed = await store.completeInboundRouting(done, clock());
    if (!completed) this.options.logger.info({ requestId: claim.request.id }, 'another router took this inbound request over; its outcomes stand');
    return completed;
  }

  /** Every endpoint's outcome for one claimed request, after its message (if any endpoint matched) is committed. */
  private async evaluate({ request, source, fence, round }: ClaimedInboundRequest, endpoints: readonly Endpoint[]): Promise<InboundRoutingDone> {
    const { store, ingest, clock } = this.options;
    const now = clock();
    const body = request.body ?? Buffer.alloc(0);
    const subject = lazySubject(request.headers, body, request.query, request.path);
    const outcomes: RouteOutcome[] = [];
    const matched: Endpoint[] = [];
    for (const endpoint of endpoints) {
      const outcome = { requestId: request.id, round, endpointId: endpoint.id, msgId: null, createdAt: now };
      if (endpoint.disabled) {
        outcomes.push({ ...outcome, outcome: 'endpoint_disabled', reason: null });
        continue;
      }
      if (endpoint.filter !== null && endpoint.filter !== undefined) {
        const verdict = matchRequest(endpoint.filter as RequestFilter, subject);
        if (!verdict.match) {
          outcomes.push({ ...outcome, outcome: 'filtered', reason: verdict.reason });
          continue;
        }
      }
      matched.push(endpoint);
    }
    if (matched.length > 0) {
      const eventId = round === 0 ? request.id : `${request.id}.r${round}`;
      const message = {
        ...newMessage({ appId: source.appId, eventType: request.eventType || FALLBACK_EVENT_TYPE, eventId, payload: body.toString('utf8') }, now),
        headers: forwardedHeaders(request.headers, matched),
      };
      let msgId = message.id;
      try {
        await ingest.submitTo(message, matched.map((endpoint) => endpoint.id));
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // Routed before by a router that stopped before completing: that message stands.
        const existing = await store.getMessage(source.appId, eventId);
        if (!existing) throw error;
        msgId = existing.id;
      }
      for (const endpoint of matched) {
        outcomes.push({ requestId: request.id, round, endpointId: endpoint.id, outcome: 'forwarded', reason: null, msgId, createdAt: now });
      }
    }
    return { requestId: request.id, fence, round, outcomes };
  }
}

/**
 * The request as filters see it, each section computed on first read: matchRequest reads only the
 * sections a filter has, so a source whose filters test headers never parses a body or a query.
 */
function lazySubject(headers: Record<string, string>, body: Buffer, query: string, path: string): FilterableRequest {
  let parsedBody: { value: unknown } | undefined;
  let parsedQuery: Record<string, string | string[]> | undefined;
  return {
    headers,
    path,
    get body() {
      parsedBody ??= { value: parseInboundBody(headers['content-type'], body) };
      return parsedBody.value;
    },
    get query() {
      return parsedQuery ??= parseQuery(query);
    },
  };
}

/**
 * The provider headers a forward may carry: the original content-type always (the body is sent as
 * it came), plus every header any matched endpoint lists in forwardHeaders. The sender passes each
 * endpoint only the ones that endpoint lists.
 */
export function forwardedHeaders(headers: Record<string, string>, endpoints: readonly Endpoint[]): Record<string, string> {
  const kept: Record<string, string> = {};
  if (headers['content-type'] !== undefined) kept['content-type'] = headers['content-type'];
  for (const endpoint of endpoints) {
    for (const name of endpoint.forwardHeaders ?? []) {
      const lower = name.toLowerCase();
      // Own properties only: a listed "__proto__" must find nothing, not Object.prototype.
      const value = Object.hasOwn(headers, lower) ? headers[lower] : undefined;
      if (typeof value === 'string') kept[lower] = value;
    }
  }
  return kept;
}

/** A query string as filters see it: a repeated name becomes a list. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    const previous = result[name];
    if (previous === undefined) result[name] = value;
    else result[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return result;
}
