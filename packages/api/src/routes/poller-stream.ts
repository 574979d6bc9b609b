import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ApiDeps } from '../deps.ts';
import { parse } from '../validation.ts';
import { pollingMessageOut, streamQuery } from '../schemas/poller.ts';
import { requirePoller } from '../polling/access.ts';
import { iteratorOf, requirePosition } from '../polling/iterator.ts';
import { readPoller } from '../polling/reader.ts';
import { startOf } from '../polling/start.ts';
import { nextWake } from '../polling/waiting.ts';
import { abortOnClose, type PollingParts } from './poller-reads.ts';

type PollerParams = { Params: { app_id: string; sink_id: string } };

/** Messages read per turn of the stream. */
const BATCH = 100;
/** Wait between re-reads when nothing wakes the stream. */
const IDLE_MS = 60_000;

/**
 * A polling endpoint as Server-Sent Events (Herald extension). Each event's `id:` is the iterator
 * just past its message, so an EventSource that reconnects sends it back as Last-Event-ID and the
 * stream goes on from there: nothing missed, nothing repeated. Comment lines every `heartbeat`
 * seconds keep proxies from closing an idle stream.
 */
export function registerPollerStreamRoute(app: FastifyInstance, deps: ApiDeps, polling: PollingParts): void {
  app.get<PollerParams>('/api/v1/app/:app_id/poller/:sink_id/stream', async (request, reply) => {
    const query = parse(streamQuery, request.query, 'query');
    const poller = await requirePoller(deps, request.params.app_id, request.params.sink_id);
    const lastEventId = request.headers['last-event-id'];
    const from = typeof lastEventId === 'string' && lastEventId.length > 0
      ? requirePosition(lastEventId, 'header', 'Last-Event-ID')
      : await startOf(deps.store, poller, query);
    const narrowing = { ...(query.event_type ? { eventType: query.event_type } : {}), ...(query.channel ? { channel: query.channel } : {}) };
    const release = polling.budget.take(request.callerScope);

    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const abort = abortOnClose(reply, polling.closing);
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), query.heartbeat * 1000);
    response.write('retry: 1000\n\n');
    try {
      let position = from;
      let soonUntil = 0;
      while (!abort.aborted) {
        const result = await readPoller(deps.store, poller, position, BATCH, narrowing);
        for (const entry of result.messages) {
          const event = `id: ${iteratorOf(entry.position)}\nevent: message\ndata: ${JSON.stringify(pollingMessageOut(entry.message))}\n\n`;
          if (!response.write(event)) await drained(response, abort);
        }
        position = result.position;
        if (!result.done) continue;
        soonUntil = await nextWake(polling.signal, IDLE_MS, soonUntil, abort);
      }
    } catch (error) {
      request.log.warn({ err: error }, 'a polling stream ended on an error');
    } finally {
      clearInterval(heartbeat);
      release();
      response.end();
    }
  });
}

function drained(response: ServerResponse, abort: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      abort.removeEventListener('abort', done);
      resolve();
    };
    response.once('drain', done);
    abort.addEventListener('abort', done, { once: true });
  });
}
