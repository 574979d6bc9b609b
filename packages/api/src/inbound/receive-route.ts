import { isUtf8 } from 'node:buffer';
import type { BlockList } from 'node:net';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  FALLBACK_EVENT_TYPE, HeraldError, NotFoundError, PayloadTooLargeError, RateLimitedError, challengeAnswer, dedupeKey, inboundEventType, parseCidrList,
  parseInboundBody, verifyInbound, type InspectorBin, type RawInboundRequest, type SourceType, type VerifyResult,
} from '@herald/core';
import { sourceTokenHash, type InboundSource } from '@herald/storage';
import type { ApiDeps } from '../deps.ts';
import { problemFor, sendProblem } from '../problem.ts';
import { captureToBin } from '../inspector/capture.ts';
import { readBodyWithin, type ReadBody } from './body-reader.ts';
import { clientAddress, isInList, trustedProxyList } from './client-address.ts';
import { InboundRecorder } from './recorder.ts';
import { SourceRateLimiter } from './source-rate-limit.ts';
import { SourceCache } from './source-cache.ts';
import { flatHeaders, inboundRecord } from './request-record.ts';

/** What the receive route takes from its process (see ApiDeps.inbound). */
export interface InboundOptions {
  /** Largest body on an ingest URL (HERALD_INBOUND_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** HERALD_TRUSTED_PROXIES entries: only these peers' X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** Group commit of received requests; one over deps.store unless given. */
  recorder?: InboundRecorder;
  /** Sources by token; buildApi passes the one its store wrapper empties on every source write. */
  sources?: SourceCache;
  /** Told each request's verdict (accepted, duplicate, rejected with its reason, rate_limited), for metrics. */
  counted?: (verdict: string, reason: string | null) => void;
}

type InRequest = FastifyRequest<{ Params: { token: string; '*'?: string } }>;

interface Receiving {
  source: InboundSource;
  receivedAt: number;
  sourceIp: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on /in/<token> when the token is an ingest source's. */
    inbound: Receiving | undefined;
    /** Set on /in/<token> when the token is an inspector bin's. */
    inspectorBin: InspectorBin | undefined;
  }
}

const DEFAULT_ANSWER = { status: 200, contentType: 'application/json', body: '{"ok":true}' };

/**
 * `ANY /in/<token>` (and any path below it): an ingest source's URL, or an inspector bin's. The
 * answers come in a fixed order, each decided before anything more of the request is read: unknown
 * token 404; over the source's rate limit 429 (not recorded: a flood must not fill the log);
 * disabled 410; address not allowed 403; method not POST/PUT 405; body over the limit 413; bad
 * signature 401; then the request is committed and answered 2xx. Everything but the 404 and the 429
 * is recorded. A store that fails is a 503; nothing a sender does can make a 5xx, because
 * providers retry 5xx for days.
 */
export function registerReceiveRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const options: InboundOptions = deps.inbound ?? { maxBodyBytes: deps.maxBodyBytes, trustedProxies: [] };
  const recorder = options.recorder ?? new InboundRecorder({ store: deps.store, clock: deps.clock });
  const trusted = trustedProxyList(options.trustedProxies);
  const limiter = new SourceRateLimiter();
  const allowlists = new AllowlistCache();
  const sources = options.sources ?? new SourceCache();

  app.decorateRequest('inbound', undefined);
  app.decorateRequest('inspectorBin', undefined);
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Every content type, read as bytes by our own reader: the limit depends on what the token is.
    scope.addContentTypeParser('*', async (request: FastifyRequest, payload: NodeJS.ReadableStream) => {
      const limit = request.inbound ? options.maxBodyBytes : deps.maxBodyBytes;
      const read = await readBodyWithin(payload as Readable, request.headers['content-length'], limit);
      if (!read.ok && !request.inbound) throw new PayloadTooLargeError(limit);
      return read;
    });
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof HeraldError && error.status < 500) return sendProblem(reply, problemFor(error.status, error.code, error.message));
      const status = (error as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) return sendProblem(reply, problemFor(400, 'bad_request', 'The request could not be read.'));
      // Only our side can fail here (the store): 503 asks the provider to come back, and it will.
      request.log.warn({ err: error }, 'could not receive an inbound request');
      return sendProblem(reply, problemFor(503, 'unavailable', 'Herald could not store this request; retry later.'));
    });

    // The token is resolved before the body is read, so an unknown or refused sender costs no upload.
    scope.addHook('onRequest', async (request: InRequest, reply) => {
      const now = deps.clock();
      const token = request.params.token;
      const tokenHash = sourceTokenHash(token);
      let source = sources.get(tokenHash, now);
      if (!source) {
        source = await deps.store.findSourceByToken(tokenHash, now);
        if (source) sources.set(tokenHash, source, now);
      }
      if (!source) {
        const bin = await deps.store.getInspectorBin(token, now);
        if (!bin) throw new NotFoundError('Ingest source');
        request.inspectorBin = bin;
        return;
      }
      const sourceIp = clientAddress(request.raw.socket.remoteAddress ?? '', request.headers['x-forwarded-for'], trusted);
      request.inbound = { source, receivedAt: now, sourceIp };
      const waitSeconds = limiter.take(source.id, source.rateLimit, now);
      if (waitSeconds > 0) {
        options.counted?.('rate_limited', null);
        closeIfBodyUnread(request, reply);
        reply.header('retry-after', String(waitSeconds));
        const problem = new RateLimitedError(waitSeconds);
        return sendProblem(reply, problemFor(429, problem.code, `Too many requests for this source; retry after ${waitSeconds} s.`));
      }
      let refusal: { status: number; code: string; reason: string; detail: string } | undefined;
      if (source.disabled) refusal = { status: 410, code: 'gone', reason: 'source_disabled', detail: 'This ingest source is disabled.' };
      else if (source.allowedCidrs && !allowlists.allows(source.allowedCidrs, sourceIp)) {
        refusal = { status: 403, code: 'forbidden', reason: 'ip_not_allowed', detail: 'Requests from this address are not allowed for this source.' };
      } else if (request.method !== 'POST' && request.method !== 'PUT') {
        reply.header('allow', 'POST, PUT');
        refusal = { status: 405, code: 'method_not_allowed', reason: 'method_not_allowed', detail: 'Send webhooks with POST (or PUT).' };
      } else if (Number(request.headers['content-length']) > options.maxBodyBytes) {
        refusal = tooLarge(options.maxBodyBytes);
      }
      if (!refusal) return;
      closeIfBodyUnread(request, reply);
      await recordRejected(request, null, refusal.reason);
      return sendProblem(reply, problemFor(refusal.status, refusal.code, refusal.detail));
    });

    const receive = async (request: InRequest, reply: FastifyReply) => {
      if (request.inspectorBin) return captureToBin(deps, request, request.inspectorBin, bodyBytes(request.body));
      const receiving = request.inbound!;
      const read = request.body as ReadBody | undefined;
      if (read && !read.ok) {
        closeIfBodyUnread(request, reply, true);
        const refusal = tooLarge(options.maxBodyBytes);
        await recordRejected(request, null, refusal.reason);
        return sendProblem(reply, problemFor(refusal.status, refusal.code, refusal.detail));
      }
      const body = read?.ok ? read.body : Buffer.alloc(0);
      const { source } = receiving;
      const type = source.type as SourceType;
      const raw: RawInboundRequest = { method: request.method, url: deps.publicUrl() + request.url, headers: flatHeaders(request), body };
      const verified = verifySafely(type, source.config, raw, receiving.receivedAt);
      if (!verified.ok) {
        await recordRejected(request, body, `verification_failed: ${verified.reason}`);
        return sendProblem(reply, problemFor(401, 'unauthorized', `The request did not verify as a ${source.type} webhook (${verified.reason}).`));
      }
      if (!isUtf8(body) || body.includes(0)) {
        // A forward carries the body as text: bytes that are not UTF-8 could not reach the endpoints
        // unchanged, and a NUL cannot be stored as text in PostgreSQL (JSON and form bodies never
        // hold a raw one; they escape it).
        await recordRejected(request, body, 'unsupported_body');
        return sendProblem(reply, problemFor(415, 'unsupported_media_type', 'Herald forwards text bodies only; this body is not UTF-8 text without NUL bytes.'));
      }
      // These read what the sender chose; none may turn a verified request into a 5xx.
      const parsed = orElse(() => parseInboundBody(raw.headers['content-type'], body), null);
      const recorded = await recorder.record(inboundRecord(request, body, 'accepted', null, {
        dedupeKey: orElse(() => dedupeKey(type, source.dedupe, raw, parsed), null),
        eventType: orElse(() => inboundEventType(type, raw, parsed), FALLBACK_EVENT_TYPE),
      }, raw.headers));
      options.counted?.(recorded.verdict, null);
      reply.header('herald-request-id', recorded.id);
      const answer = orElse(() => challengeAnswer(type, parsed), null) ?? source.response ?? DEFAULT_ANSWER;
      return reply.code(answer.status).type(answer.contentType).send(answer.body);
    };
    scope.all('/in/:token', receive);
    scope.all('/in/:token/*', receive);
  });

  /**
   * A refused request is still recorded, so an operator can see why a provider's deliveries fail.
   * The sender's answer does not wait on the log: if the store is down the 4xx still stands.
   */
  async function recordRejected(request: InRequest, body: Buffer | null, reason: string): Promise<void> {
    options.counted?.('rejected', reason);
    try {
      await recorder.record(inboundRecord(request, body, 'rejected', reason, { dedupeKey: null, eventType: '' }));
    } catch (error) {
      request.log.warn({ err: error, reason }, 'could not record a rejected inbound request');
    }
  }
}

/**
 * The core's verifiers return their verdicts, but they parse headers a stranger wrote: should one
 * ever throw, the request is refused as unverified (401), never answered 5xx, which the provider
 * would retry for days.
 */
function verifySafely(type: SourceType, config: InboundSource['config'], raw: RawInboundRequest, now: number): VerifyResult {
  try {
    return verifyInbound(type, config, raw, now);
  } catch {
    return { ok: false, reason: 'bad_signature', detail: 'the signature could not be read' };
  }
}

function orElse<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function tooLarge(limit: number) {
  return { status: 413, code: 'payload_too_large', reason: 'payload_too_large',
    detail: `The request body is larger than this Herald accepts on ingest URLs (${limit} bytes, HERALD_INBOUND_MAX_BODY_BYTES).` };
}

/** A refusal sent before the body was read: close the connection rather than read the rest of an upload we refused. */
function closeIfBodyUnread(request: FastifyRequest, reply: FastifyReply, always = false): void {
  if (always || request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined) {
    reply.header('connection', 'close');
  }
}

function bodyBytes(body: unknown): Buffer {
  const read = body as ReadBody | undefined;
  return read?.ok ? read.body : Buffer.alloc(0);
}


/** Each source's allowlist parsed once per distinct list, not on every request. */
class AllowlistCache {
  private readonly lists = new Map<string, BlockList | null>();

  allows(cidrs: string[], address: string): boolean {
    const key = cidrs.join(',');
    let list = this.lists.get(key);
    if (list === undefined) {
      const parsed = parseCidrList(cidrs);
      // A list that no longer parses (it was validated when saved) allows nobody: fail closed.
      list = parsed.ok ? parsed.blockList : null;
      if (this.lists.size >= 1_000) this.lists.clear();
      this.lists.set(key, list);
    }
    return list !== null && isInList(list, address);
  }
}
