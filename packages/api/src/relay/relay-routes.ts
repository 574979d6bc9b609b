import type { AddressInfo } from 'node:net';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LISTEN_PATH_SUFFIX, RELAY_PATH_PREFIX, ValidationError, type Application, type RelayClientMessage } from '@herald/core';
import { requireApp, type ApiDeps } from '../deps.ts';
import { RESERVED_HEADERS } from '../schemas/endpoint.ts';
import { createListenEndpoint, renewListenEndpoint, sweepExpiredListenEndpoints } from './listen-endpoints.ts';
import { RelaySession } from './relay-sessions.ts';

export interface RelayOptions {
  /** The address deliveries reach Herald on (HERALD_RELAY_HOST, else its listening host; loopback when it listens on all). */
  host: string;
  /** How long the relay route waits for the CLI's answer: less than the delivery deadline. */
  replyDeadlineMs: number;
}

const PING_INTERVAL_MS = 30_000;
const RENEW_INTERVAL_MS = 10 * 60_000;
const SWEEP_INTERVAL_MS = 10 * 60_000;
/**
 * Not passed on either way: they describe one HTTP connection, not the webhook (and the CLI hands
 * over bodies already decoded, so their content-encoding no longer applies).
 */
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'upgrade', 'te', 'trailer']);

type ListenRequest = FastifyRequest<{ Params: { app_id: string }; Querystring: { events?: string; forward_headers?: string } }>;

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]{1,256}$/;

/**
 * `listen --source --forward-headers`: provider headers (X-GitHub-Event, ...) the temporary
 * endpoint passes on, as an ingest endpoint's forwardHeaders would; lower-cased, at most 50, and
 * never one Herald sets itself.
 */
function forwardHeadersOf(text: string | undefined): string[] | null {
  const names = [...new Set((text ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))];
  const bad = names.find((name) => !HEADER_NAME.test(name) || (RESERVED_HEADERS.has(name) && name !== 'content-type'));
  if (bad !== undefined) throw ValidationError.single(['query', 'forward_headers'], `"${bad}" cannot be forwarded`);
  if (names.length > 50) throw ValidationError.single(['query', 'forward_headers'], 'at most 50 headers');
  return names.length > 0 ? names : null;
}

/**
 * `herald listen`: the CLI holds a WebSocket; for its lifetime a temporary endpoint whose URL is
 * Herald's own relay route receives the app's deliveries like any endpoint, and the relay route
 * answers each with what the CLI's local URL answered. Retries and attempt history therefore work
 * unchanged, and no third party sees the traffic.
 */
export function registerRelayRoutes(app: FastifyInstance, deps: ApiDeps, options: RelayOptions): void {
  const sessions = new Map<string, RelaySession>();
  const cleanups = new Set<Promise<unknown>>();
  const listening = new WeakMap<FastifyRequest, { application: Application; eventTypes: string[] | null; forwardHeaders: string[] | null }>();
  const relayOrigin = () => `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${(app.server.address() as AddressInfo).port}`;
  const track = (work: Promise<unknown>, what: string) => {
    const tracked = work.catch((error: unknown) => app.log.warn({ err: error }, what)).finally(() => cleanups.delete(tracked));
    cleanups.add(tracked);
  };

  const sweep = () => track(sweepExpiredListenEndpoints(deps.store, deps.clock()), 'could not sweep expired listen endpoints');
  const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  app.addHook('onReady', async () => sweep());
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    await Promise.all(cleanups);
  });

  // An upgrade request refused before the websocket plugin saw it (by the API's authentication,
  // or on a path without a WebSocket) would keep its socket open and Herald could not close.
  app.addHook('onResponse', async (request) => {
    if (request.headers.upgrade !== undefined) request.raw.socket.destroy();
  });

  app.register(async (scope) => {
    await scope.register(websocket, { options: { maxPayload: deps.maxBodyBytes * 2 } });

    scope.get(`/api/v1/app/:app_id${LISTEN_PATH_SUFFIX}`, {
      websocket: true,
      // Runs before the upgrade, so a bad request gets an ordinary problem response.
      preValidation: async (request: ListenRequest) => {
        const application = await requireApp(deps, request.params.app_id);
        const eventTypes = request.query.events?.split(',').map((name) => name.trim()).filter((name) => name !== '') ?? [];
        const known = new Set(await deps.store.existingEventTypes(eventTypes));
        const unknown = eventTypes.filter((name) => !known.has(name));
        if (unknown.length > 0) throw ValidationError.single(['query', 'events'], `unknown event types: ${unknown.join(', ')}`);
        listening.set(request, { application, eventTypes: eventTypes.length > 0 ? eventTypes : null, forwardHeaders: forwardHeadersOf(request.query.forward_headers) });
      },
    }, async (socket, request) => {
      const { application, eventTypes, forwardHeaders } = listening.get(request)!;
      const session = new RelaySession((message) => socket.send(JSON.stringify(message)), options.replyDeadlineMs);
      let alive = true;
      socket.on('pong', () => (alive = true));
      socket.on('message', (data) => {
        try {
          session.receive(JSON.parse(String(data)) as RelayClientMessage);
        } catch {
          socket.close(1007, 'expected JSON');
        }
      });
      const created = createListenEndpoint(deps.store, application, relayOrigin(), session.id, eventTypes, deps.clock(), forwardHeaders);
      const timers = [
        // A CLI that vanished without closing (laptop lid, network gone) stops answering pings.
        setInterval(() => (alive ? ((alive = false), socket.ping()) : socket.terminate()), PING_INTERVAL_MS),
        setInterval(() => void created.then(({ endpoint }) => track(renewListenEndpoint(deps.store, endpoint, deps.clock()), 'could not renew a listen endpoint')), RENEW_INTERVAL_MS),
      ];
      let closed = false;
      socket.on('close', () => {
        closed = true;
        for (const timer of timers) clearInterval(timer);
        sessions.delete(session.id);
        session.close();
        track(created.then(({ endpoint }) => deps.store.deleteEndpoint(application.id, endpoint.id)), 'could not delete a listen endpoint');
      });
      try {
        const { endpoint, secret } = await created;
        if (closed) return; // the CLI left while the endpoint was being made; it is deleted already
        sessions.set(session.id, session);
        socket.send(JSON.stringify({ type: 'ready', sessionId: session.id, endpointId: endpoint.id, secret }));
      } catch (error) {
        app.log.error({ err: error }, 'could not open a listen session');
        socket.close(1011, 'could not create the temporary endpoint');
      }
    });
  });

  app.post<{ Params: { session_id: string } }>(`${RELAY_PATH_PREFIX}:session_id`, async (request, reply) => {
    const session = sessions.get(request.params.session_id);
    // 410 disables the endpoint at once: right for one whose session is gone for good.
    if (!session) return reply.code(410).type('text/plain').send('herald listen session is closed');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = String(value);
    }
    const answer = await session.forward(headers, request.rawBody ?? '');
    switch (answer.kind) {
      case 'answered': {
        const status = answer.status >= 200 && answer.status <= 599 ? answer.status : 502;
        for (const [name, value] of Object.entries(answer.headers)) {
          if (HOP_BY_HOP.has(name.toLowerCase())) continue;
          try {
            reply.header(name, value);
          } catch {
            // A header Node refuses to send (invalid characters): the attempt's record does without it.
          }
        }
        return reply.code(status).send(answer.body);
      }
      case 'unreachable':
        return reply.code(502).type('text/plain').send(`herald listen could not reach the local URL: ${answer.error}`);
      case 'no-answer':
        return reply.code(504).type('text/plain').send('herald listen did not answer in time');
      case 'session-closed':
        return reply.code(410).type('text/plain').send('herald listen session closed');
    }
  });
}
