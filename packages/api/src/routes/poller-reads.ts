import type { FastifyInstance, FastifyReply } from 'fastify';
import { LOG_START } from '@herald/storage';
import type { ApiDeps } from '../deps.ts';
import { parse } from '../validation.ts';
import { consumerId, consumerPollQuery, pollQuery, pollingMessageOut, seekIn } from '../schemas/poller.ts';
import { requirePoller } from '../polling/access.ts';
import type { CommitSignal } from '../polling/commit-signal.ts';
import { iteratorOf, requirePosition } from '../polling/iterator.ts';
import type { PollResult } from '../polling/reader.ts';
import { startOf } from '../polling/start.ts';
import { readWaiting, type WaitingBudget, type WaitingRead } from '../polling/waiting.ts';

type PollerParams = { Params: { app_id: string; sink_id: string } };
type ConsumerParams = { Params: { app_id: string; sink_id: string; consumer_id: string } };

export interface PollingParts {
  signal: CommitSignal;
  budget: WaitingBudget;
  /** Fires when the server closes: every wait and stream ends. */
  closing: AbortSignal;
}

/** Svix's PollingEndpointOut. */
const pollOut = (result: PollResult) => ({
  data: result.messages.map((entry) => pollingMessageOut(entry.message)),
  iterator: iteratorOf(result.position),
  done: result.done,
});

/** Aborts when the client goes away, so a long poll stops waiting for nobody, or the server closes. */
export function abortOnClose(reply: FastifyReply, closing: AbortSignal): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return AbortSignal.any([controller.signal, closing]);
}

/** Reads, waiting up to waitMs; a waiting request holds one of its token's places meanwhile. */
async function read(scope: string, polling: PollingParts, request: Omit<WaitingRead, 'signal'>): Promise<PollResult> {
  if (request.waitMs === 0) return readWaiting({ ...request, signal: polling.signal });
  const release = polling.budget.take(scope);
  try {
    return await readWaiting({ ...request, signal: polling.signal });
  } finally {
    release();
  }
}

/** Svix's poller routes (`svix.message.poller.*`), with Herald's `wait` for long polling. */
export function registerPollerReadRoutes(app: FastifyInstance, deps: ApiDeps, polling: PollingParts): void {
  app.get<PollerParams>('/api/v1/app/:app_id/poller/:sink_id', async (request, reply) => {
    const query = parse(pollQuery, request.query, 'query');
    const poller = await requirePoller(deps, request.params.app_id, request.params.sink_id);
    const from = await startOf(deps.store, poller, query);
    const result = await read(request.callerScope, polling, {
      store: deps.store, poller, from, limit: query.limit, waitMs: query.wait ?? 0, abort: abortOnClose(reply, polling.closing),
      narrowing: { ...(query.event_type ? { eventType: query.event_type } : {}), ...(query.channel ? { channel: query.channel } : {}) },
    });
    return pollOut(result);
  });

  /**
   * The server keeps the consumer's position: each poll continues where the last one ended. An
   * iterator given is taken as the consumer's own record of where it is (what it last processed),
   * so a consumer that lost an answer (a crash of either side) asks again from there and misses
   * nothing; one that keeps none simply polls on.
   */
  app.get<ConsumerParams>('/api/v1/app/:app_id/poller/:sink_id/consumer/:consumer_id', async (request, reply) => {
    const name = parse(consumerId, request.params.consumer_id, 'path');
    const query = parse(consumerPollQuery, request.query, 'query');
    const poller = await requirePoller(deps, request.params.app_id, request.params.sink_id);
    const stored = await deps.store.getPollerConsumer(poller.id, name);
    const from = query.iterator !== undefined ? requirePosition(query.iterator, 'query', 'iterator')
      : stored?.position ?? await startOf(deps.store, poller, {});
    const result = await read(request.callerScope, polling, {
      store: deps.store, poller, from, limit: query.limit, waitMs: query.wait ?? 0, abort: abortOnClose(reply, polling.closing), narrowing: {},
    });
    if (!stored || iteratorOf(stored.position) !== iteratorOf(result.position)) {
      await deps.store.savePollerConsumer(poller.id, name, result.position, deps.clock());
    }
    return pollOut(result);
  });

  app.post<ConsumerParams>('/api/v1/app/:app_id/poller/:sink_id/consumer/:consumer_id/seek', async (request) => {
    const name = parse(consumerId, request.params.consumer_id, 'path');
    const body = parse(seekIn, request.body ?? {}, 'body');
    const poller = await requirePoller(deps, request.params.app_id, request.params.sink_id);
    const at = Math.max(poller.createdAt, Date.parse(body.after));
    const position = at > 0 ? await deps.store.messageLogPositionAt(poller.appId, at) : LOG_START;
    await deps.store.savePollerConsumer(poller.id, name, position, deps.clock());
    return { iterator: iteratorOf(position) };
  });
}
