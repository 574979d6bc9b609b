import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Pool, buildConnector } from 'undici';
import { signatureHeaders, signingKey } from '@herald/core';
import { checkTargetUrl, isRefusedAddress, privateTargetMatcher, type PrivateTargetMatcher, type TargetRefusal } from './ssrf-guard.ts';
import { ownRelayUrl, type OwnRelayTarget } from './own-relay.ts';

export interface HttpSenderOptions {
  allowPrivateTargets: boolean;
  /** Private CIDR ranges opened on purpose (HERALD_PRIVATE_TARGETS); see ssrf-guard.ts. */
  privateTargets?: readonly string[];
  /** Refuse plain http at send time too (HERALD_HTTPS_ONLY). */
  httpsOnly?: boolean;
  /** Default 5 000; never more than deadlineMs. */
  connectTimeoutMs?: number;
  /** Overall limit of one attempt (default 15 000), from the start of sending to the last byte read. */
  deadlineMs?: number;
  /** Read at most this many bytes of a response body (default 65 536); the rest is never read. */
  maxResponseBytes?: number;
  /** Requests in flight to one origin at once (default 64); more wait their turn here, not in the socket pool. */
  connectionsPerOrigin?: number;
  /** A request that waited this long (default 60 000) for a free slot is given back unsent (kind 'not-sent'). */
  maxQueueMs?: number;
  /** Pools beyond this many origins (default 1 000) are closed, least recently used first. */
  maxOrigins?: number;
  /** dns.lookup-compatible; tests inject a stub resolver. */
  lookup?: LookupFunction;
  /** Default "Herald-Webhooks/1.0". */
  userAgent?: string;
  /** Herald's own relay route (`herald listen`), reachable even though it is a private address. */
  ownRelay?: OwnRelayTarget;
  /** Brokers queue-destination endpoints may reach (HERALD_BROKER_TARGETS); see transports/. */
  brokerTargets?: readonly string[];
}

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  /**
   * Headers of the request this message came from (an inbound request's content-type and the
   * provider headers the endpoint passes on), sent beneath the endpoint's own headers.
   */
  forwarded?: Record<string, string>;
  body: string;
  /** The message's event type; broker transports carry it as a header (HTTP does not send it). */
  eventType?: string;
  /**
   * Sign at the moment of sending (Standard Webhooks): the timestamp is then the real send time
   * even after a wait for a busy origin. One signature per key, for secret rotation.
   */
  signing?: { msgId: string; secrets: string[] };
}

export type SendFailure = TargetRefusal | 'timeout' | 'dns' | 'connect' | 'tls' | 'network';

export type SendResult =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: string; durationMs: number; requestHeaders: Record<string, string> }
  | { kind: 'error'; reason: SendFailure; message: string; durationMs: number; requestHeaders?: Record<string, string> }
  /** Never sent: the origin stayed busy for maxQueueMs. Not an attempt; the caller hands it back. */
  | { kind: 'not-sent' };

interface OriginSlots {
  active: number;
  waiting: Array<{ since: number; grant: (granted: boolean) => void }>;
}

/** Headers about one connection or one message's framing (RFC 9110 7.6.1), never passed on from a provider's request. */
const NOT_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect', 'user-agent',
]);

const BLOCKED = 'ERR_HERALD_BLOCKED_ADDRESS';
/**
 * An attempt's deadline, as the abort signal undici takes. undici accepts an EventEmitter as well
 * as an AbortSignal; this one costs a fraction of an AbortController's, on every request sent.
 */
class Deadline extends EventEmitter {
  passed = false;
}
const passDeadline = (deadline: Deadline) => {
  deadline.passed = true;
  deadline.emit('abort');
};

class BlockedAddressError extends Error {
  readonly code = BLOCKED;
  constructor(address: string) {
    super(`refused to connect to ${address}: private or reserved address`);
  }
}

/**
 * A DNS lookup that refuses a name if ANY of its answers is a blocked address (a name that answers
 * public and private addresses at once is an attack, not a misconfiguration), and hands the
 * connection only checked addresses, so what is checked is what is connected to.
 */
function guardedLookup(resolve: LookupFunction, opened: PrivateTargetMatcher | undefined): LookupFunction {
  return ((hostname: string, options: LookupOptions, callback: (...args: unknown[]) => void) => {
    resolve(hostname, { ...options, all: true } as LookupAllOptions, ((error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
      const blocked = addresses.find((answer) => isRefusedAddress(answer.address, opened));
      if (blocked) return callback(new BlockedAddressError(blocked.address));
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    }) as never);
  }) as LookupFunction;
}

/**
 * The delivery engine's HTTP client: one undici Pool per origin, no redirects followed, a deadline
 * over the whole attempt, a cap on response bytes read, and the SSRF policy enforced on the socket.
 */
export class HttpSender {
  private readonly pools = new Map<string, Pool>();
  private readonly verdicts = new Map<string, ReturnType<typeof checkTargetUrl>>();
  private readonly slots = new Map<string, OriginSlots>();
  private readonly concurrency: number;
  private readonly maxQueueMs: number;
  private closing = false;
  private lastOrigin = '';
  private readonly connect: buildConnector.connector;
  /** Connects to Herald's own relay route only (see own-relay.ts); every other target goes through `connect`. */
  private readonly connectToOwnRelay: buildConnector.connector;
  private readonly deadlineMs: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(private readonly options: HttpSenderOptions) {
    this.deadlineMs = options.deadlineMs ?? 15_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 65_536;
    this.userAgent = options.userAgent ?? 'Herald-Webhooks/1.0';
    this.concurrency = options.connectionsPerOrigin ?? 64;
    this.maxQueueMs = options.maxQueueMs ?? 60_000;
    // A request that is still connecting does not see its abort signal in undici (it is only
    // wired up once the request reaches a socket), so the connect timeout must fit the deadline.
    const timeout = Math.min(options.connectTimeoutMs ?? 5_000, this.deadlineMs);
    this.connectToOwnRelay = buildConnector({ timeout });
    if (options.allowPrivateTargets) {
      this.connect = buildConnector({ timeout, ...(options.lookup ? { lookup: options.lookup } : {}) });
    } else {
      const opened = privateTargetMatcher(options.privateTargets);
      const base = buildConnector({ timeout, lookup: guardedLookup(options.lookup ?? (dnsLookup as LookupFunction), opened) });
      this.connect = (connectOptions, callback) => {
        // An IP literal skips DNS: refuse it before any packet is sent, or connect-vs-refused
        // would tell a caller which internal ports are open.
        if (isIP(connectOptions.hostname) !== 0 && isRefusedAddress(connectOptions.hostname, opened)) {
          return callback(new BlockedAddressError(connectOptions.hostname), null);
        }
        // What counts is the address actually reached, whatever the path to it: checked once more
        // before undici writes a byte.
        base(connectOptions, (error, socket) => {
          if (error) return callback(error, null);
          const remote = (socket as Socket).remoteAddress ?? '';
          if (isRefusedAddress(remote, opened)) {
            socket!.destroy();
            return callback(new BlockedAddressError(remote), null);
          }
          return callback(null, socket!);
        });
      };
    }
  }

  private poolFor(origin: string, ownRelay: boolean): Pool {
    // The relay's pool is kept apart: a request to Herald's origin but another path never gets its connector.
    const key = ownRelay ? `relay ${origin}` : origin;
    let pool = this.pools.get(key);
    if (pool) {
      // Map order is recency order: re-inserting marks this origin most recently used.
      if (key !== this.lastOrigin) {
        this.pools.delete(key);
        this.pools.set(key, pool);
        this.lastOrigin = key;
      }
      return pool;
    }
    this.lastOrigin = key;
    pool = new Pool(origin, {
      connections: this.concurrency,
      pipelining: 1,
      connect: ownRelay ? this.connectToOwnRelay : this.connect,
      headersTimeout: this.deadlineMs,
      bodyTimeout: this.deadlineMs,
      keepAliveTimeout: 30_000,
    });
    this.pools.set(key, pool);
    if (this.pools.size > (this.options.maxOrigins ?? 1_000)) {
      const [oldest, evicted] = this.pools.entries().next().value as [string, Pool];
      this.pools.delete(oldest);
      void evicted.close().catch(() => evicted.destroy());
    }
    return pool;
  }

  async send(request: SendRequest): Promise<SendResult> {
    const started = performance.now();
    // The whole endpoint policy again, not only the address: an endpoint stored before the policy
    // tightened (private targets allowed then, https-only now) must not be sent to. Herald's own
    // relay route (`herald listen`) is the one target outside that policy.
    const relayUrl = ownRelayUrl(request.url, this.options.ownRelay);
    const verdict = relayUrl ? { ok: true as const, url: relayUrl } : this.checkUrl(request.url);
    if (!verdict.ok) return { kind: 'error', reason: verdict.refusal, message: verdict.reason, durationMs: performance.now() - started };
    const url = verdict.url;
    // The deadline starts when the request gets its slot: waiting behind a slow origin is not the
    // attempt's fault. The slot is handed over here, in this thread, without a round trip through
    // the worker, so that one endpoint's throughput is bounded by its receiver, not by our latency.
    if (!(await this.acquire(url.origin))) return { kind: 'not-sent' };
    const sendStarted = performance.now();
    const deadline = new Deadline();
    const timer = setTimeout(passDeadline, this.deadlineMs, deadline);
    const requestHeaders = this.headersFor(request);
    try {
      const response = await this.poolFor(url.origin, relayUrl !== undefined).request({
        path: url.pathname + url.search,
        method: 'POST',
        headers: requestHeaders,
        body: request.body,
        signal: deadline,
      });
      const body = await this.readCapped(response.body);
      return {
        kind: 'response',
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body,
        durationMs: performance.now() - sendStarted,
        requestHeaders,
      };
    } catch (error) {
      const { reason, message } = classify(error, deadline.passed, this.deadlineMs);
      return { kind: 'error', reason, message, durationMs: performance.now() - sendStarted, requestHeaders };
    } finally {
      clearTimeout(timer);
      this.release(url.origin);
    }
  }

  /**
   * The URL policy's verdict, kept per URL: the policy is fixed for the sender's life and looks at
   * the URL alone (addresses are checked when connecting), and an endpoint's URL is sent to again
   * and again. Parsing it anew for every request showed in profiles.
   */
  private checkUrl(url: string): ReturnType<typeof checkTargetUrl> {
    let verdict = this.verdicts.get(url);
    if (!verdict) {
      verdict = checkTargetUrl(url, this.options);
      if (this.verdicts.size >= 10_000) this.verdicts.clear();
      this.verdicts.set(url, verdict);
    }
    return verdict;
  }

  /**
   * Names are lower-cased so that a custom "Content-Type" replaces the default instead of being
   * sent beside it. Forwarded headers come first, so the endpoint's own headers win over them; a
   * forwarded hop-by-hop or framing header (they describe the provider's connection, not ours) or
   * webhook-* header (a provider's own signature is not Herald's) is never sent. The user agent
   * and the signature go last: nothing replaces them.
   */
  private headersFor({ headers: custom, forwarded, signing, body }: SendRequest): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const name in forwarded) {
      const lower = name.toLowerCase();
      if (!NOT_FORWARDED.has(lower) && !lower.startsWith('webhook-')) headers[lower] = forwarded[name]!;
    }
    for (const name in custom) headers[name.toLowerCase()] = custom[name]!;
    headers['user-agent'] = this.userAgent;
    if (signing) {
      // Signed now, so the timestamp is the real send time even after a wait for a busy origin.
      const signature = signatureHeaders(signing.secrets.map(signingKey), signing.msgId, Math.floor(Date.now() / 1000), body);
      headers['webhook-id'] = signature['webhook-id'];
      headers['webhook-timestamp'] = signature['webhook-timestamp'];
      headers['webhook-signature'] = signature['webhook-signature'];
    }
    return headers;
  }

  private acquire(origin: string): Promise<boolean> | boolean {
    if (this.closing) return false;
    let slots = this.slots.get(origin);
    if (!slots) {
      slots = { active: 0, waiting: [] };
      this.slots.set(origin, slots);
    }
    if (slots.active < this.concurrency) {
      slots.active++;
      return true;
    }
    const queue = slots.waiting;
    return new Promise((grant) => queue.push({ since: performance.now(), grant }));
  }

  private release(origin: string): void {
    const slots = this.slots.get(origin)!;
    const now = performance.now();
    for (let next = slots.waiting.shift(); next; next = slots.waiting.shift()) {
      if (now - next.since > this.maxQueueMs) {
        next.grant(false);
        continue;
      }
      next.grant(true); // the slot passes straight to the next request
      return;
    }
    slots.active--;
    if (slots.active === 0) this.slots.delete(origin);
  }

  /** Reads at most maxResponseBytes of the body, then destroys it: the rest is never read. */
  private readCapped(body: Readable): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (truncated: boolean) => {
        settled = true;
        body.off('data', onData);
        body.destroy();
        resolve(this.decodeCapped(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), truncated));
      };
      const onData = (chunk: Buffer) => {
        const room = this.maxResponseBytes - size;
        if (chunk.length < room) {
          chunks.push(chunk);
          size += chunk.length;
          return;
        }
        chunks.push(chunk.subarray(0, room));
        size += room;
        done(true);
      };
      body.on('data', onData);
      body.once('end', () => done(false));
      body.once('error', (error) => {
        settled = true;
        reject(error);
      });
      // Closed with neither an end nor an error. Every body closes, so the error (and its stack
      // trace, which cost more than the rest of reading) is made only when it is really needed.
      body.once('close', () => {
        if (!settled) reject(Object.assign(new Error('the response ended early'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
      });
    });
  }

  private decodeCapped(bytes: Buffer, truncated: boolean): string {
    // A cut through a multi-byte character would decode to U+FFFD and grow past the cap.
    const text = truncated ? new StringDecoder('utf8').write(bytes) : bytes.toString('utf8');
    // Bytes that are not UTF-8 at all (a compressed or binary body) decode to U+FFFD, three bytes
    // for each one read: cut the text again so that what is stored keeps the cap too.
    if (Buffer.byteLength(text) <= this.maxResponseBytes) return text;
    return new StringDecoder('utf8').write(Buffer.from(text).subarray(0, this.maxResponseBytes));
  }

  /** Gives back every request still waiting for a slot unsent, then lets those in flight finish. */
  async close(): Promise<void> {
    this.closing = true;
    for (const slots of this.slots.values()) {
      for (const waiter of slots.waiting.splice(0)) waiter.grant(false);
    }
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => pool.destroy())));
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL']);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

function classify(error: unknown, deadlinePassed: boolean, deadlineMs: number): { reason: SendFailure; message: string } {
  const err = error as { code?: string; syscall?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const message = err.message ?? String(error);
  if (code === BLOCKED || err.cause?.code === BLOCKED) return { reason: 'blocked-address', message: err.cause?.message ?? message };
  if (deadlinePassed || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { reason: 'timeout', message: `no complete response within ${deadlineMs} ms` };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { reason: 'timeout', message };
  if (DNS_CODES.has(code) || err.syscall === 'getaddrinfo') return { reason: 'dns', message };
  if (CONNECT_CODES.has(code)) return { reason: 'connect', message };
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code === 'EPROTO' || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return { reason: 'tls', message };
  }
  return { reason: 'network', message: code ? `${code}: ${message}` : message };
}
