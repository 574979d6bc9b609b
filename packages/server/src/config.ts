import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETRY_SCHEDULE_MS, parseCidrList, parseDuration, parseRetrySchedule } from '@herald/core';
import { parseRateLimit, parseTrustedProxies, type RateLimit } from '@herald/api';
import { parseBrokerTargets } from '@herald/delivery';
import { tracingSettings, type TracingSettings } from './tracing/settings.ts';

/**
 * Herald's whole configuration: one schema, one defaults table, read from the environment once at
 * start. Every message says which variable is wrong and how to fix it.
 */
const duration = (name: string, fallback: string) =>
  z.string().default(fallback).transform((text, context) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: `${name} must be a duration such as 500ms, 15s, 5m or 5d (got "${text}")` });
      return z.NEVER;
    }
    return ms;
  });

const integer = (name: string, fallback: number, min: number, max: number) =>
  z.string().default(String(fallback)).transform((text, context) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      context.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max} (got "${text}")` });
      return z.NEVER;
    }
    return value;
  });

const flag = (name: string, fallback = false) =>
  z.string().default(String(fallback)).transform((text, context) => {
    if (/^(true|1|yes)$/i.test(text)) return true;
    if (/^(false|0|no|)$/i.test(text)) return false;
    context.addIssue({ code: 'custom', message: `${name} must be true or false (got "${text}")` });
    return z.NEVER;
  });

const rateLimit = (name: string, fallback: string) =>
  z.string().default(fallback).transform((text, context) => {
    const limit = parseRateLimit(text);
    if (limit === undefined) {
      context.addIssue({ code: 'custom', message: `${name} must be a number of requests per s, m or h, such as 100/s or 6000/m, or off (got "${text}")` });
      return z.NEVER;
    }
    return limit;
  });

const environment = z.object({
  HERALD_PORT: integer('HERALD_PORT', 8071, 0, 65_535),
  HERALD_HOST: z.string().min(1).default('127.0.0.1'),
  HERALD_DATA_DIR: z.string().min(1).default('.herald'),
  HERALD_ADMIN_TOKEN: z.string().min(16, 'HERALD_ADMIN_TOKEN must be at least 16 characters; leave it unset to have one generated').optional(),
  HERALD_ALLOW_PRIVATE_TARGETS: flag('HERALD_ALLOW_PRIVATE_TARGETS'),
  HERALD_PRIVATE_TARGETS: z.string().default('').transform((text, context) => {
    const list = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const parsed = parseCidrList(list);
    if (!parsed.ok) {
      context.addIssue({ code: 'custom', message: `HERALD_PRIVATE_TARGETS must be comma-separated addresses or CIDR ranges of the internal services deliveries may reach, such as 10.20.0.0/16,fd00:1::/64 (got "${parsed.bad}")` });
      return z.NEVER;
    }
    return list;
  }),
  HERALD_BROKER_TARGETS: z.string().default('').transform((text, context) => {
    const parsed = parseBrokerTargets(text);
    if (!parsed.ok) {
      context.addIssue({ code: 'custom', message: `HERALD_BROKER_TARGETS must be comma-separated brokers endpoints may deliver to, each scheme://host:port with scheme amqp, amqps, redis, nats, mqtt or mqtts, such as amqp://rabbit.internal:5672 (got "${parsed.bad}")` });
      return z.NEVER;
    }
    return parsed.targets;
  }),
  HERALD_HTTPS_ONLY: flag('HERALD_HTTPS_ONLY'),
  HERALD_RETRY_SCHEDULE: z.string().optional().transform((text, context) => {
    if (text === undefined) return [...DEFAULT_RETRY_SCHEDULE_MS];
    const parsed = parseRetrySchedule(text);
    if (!parsed.ok) {
      context.addIssue({ code: 'custom', message: `HERALD_RETRY_SCHEDULE: ${parsed.reason}; give the delays between retries, e.g. 5s,5m,30m` });
      return z.NEVER;
    }
    return parsed.schedule;
  }),
  HERALD_MAX_BODY_BYTES: integer('HERALD_MAX_BODY_BYTES', 1_048_576, 1_024, 64 * 1_048_576),
  HERALD_DELIVERY_DEADLINE: duration('HERALD_DELIVERY_DEADLINE', '15s'),
  HERALD_CONNECT_TIMEOUT: duration('HERALD_CONNECT_TIMEOUT', '5s'),
  HERALD_MAX_RESPONSE_BYTES: integer('HERALD_MAX_RESPONSE_BYTES', 65_536, 0, 1_048_576),
  HERALD_WORKER_CONCURRENCY: integer('HERALD_WORKER_CONCURRENCY', 256, 1, 10_000),
  HERALD_ORIGIN_CONCURRENCY: integer('HERALD_ORIGIN_CONCURRENCY', 64, 1, 1_000),
  HERALD_DELIVERY_THREAD: flag('HERALD_DELIVERY_THREAD', true),
  HERALD_SENDER_THREADS: integer('HERALD_SENDER_THREADS', 2, 1, 16),
  HERALD_DISABLE_AFTER: duration('HERALD_DISABLE_AFTER', '5d'),
  HERALD_OPERATIONAL_WEBHOOK_URLS: z.string().default('').transform((text) =>
    text.split(',').map((url) => url.trim()).filter((url) => url.length > 0)),
  HERALD_OPERATIONAL_WEBHOOK_SECRET: z.string().regex(/^(whsec_)?[a-zA-Z0-9+/=]{32,100}$/,
    'HERALD_OPERATIONAL_WEBHOOK_SECRET must look like whsec_ followed by base64 (e.g. from `openssl rand -base64 24`)').optional(),
  HERALD_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  HERALD_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'HERALD_PUBLIC_URL must be an http(s) URL such as https://herald.example.com' })
    .transform((url) => url.replace(/\/+$/, '')).optional(),
  HERALD_ENCRYPTION_KEY: z.string().transform((text, context) => {
    const keys = text.split(',').map((key) => key.trim()).filter((key) => key.length > 0);
    if (keys.length === 0 || keys.some((key) => Buffer.from(key, 'base64').length !== 32)) {
      context.addIssue({ code: 'custom', message: 'HERALD_ENCRYPTION_KEY must be base64 keys of 32 bytes, comma-separated, the current one first (make one with `openssl rand -base64 32`)' });
      return z.NEVER;
    }
    return keys;
  }).optional(),
  HERALD_RATE_LIMIT: rateLimit('HERALD_RATE_LIMIT', '1000/s'),
  HERALD_INGEST_RATE_LIMIT: rateLimit('HERALD_INGEST_RATE_LIMIT', '10000/s'),
  HERALD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HERALD_PORTAL_FRAME_ANCESTORS: z.string().default('*').refine(
    (text) => text.trim().split(/\s+/).every((source) => /^('self'|'none'|\*|(https?:\/\/)?[a-zA-Z0-9*.-]+(:\d+)?)$/.test(source)),
    "HERALD_PORTAL_FRAME_ANCESTORS must be space-separated origins allowed to embed the portal, e.g. \"https://app.example.com 'self'\", or '*' or 'none'"),
  HERALD_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//,
    'HERALD_DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/herald; leave it unset for embedded SQLite').optional(),
  HERALD_ROLE: z.enum(['api', 'worker', 'all'], { message: 'HERALD_ROLE must be api, worker or all' }).default('all'),
  HERALD_LEASE: duration('HERALD_LEASE', '30s'),
  HERALD_ENDPOINT_CONCURRENCY: integer('HERALD_ENDPOINT_CONCURRENCY', 0, 0, 10_000),
  HERALD_RETENTION: duration('HERALD_RETENTION', '0ms'),
  HERALD_DATABASE_POOL_SIZE: integer('HERALD_DATABASE_POOL_SIZE', 10, 1, 1_000),
  HERALD_INBOUND_MAX_BODY_BYTES: integer('HERALD_INBOUND_MAX_BODY_BYTES', 1_048_576, 1_024, 64 * 1_048_576),
  HERALD_INBOUND_REJECTED_RETENTION: duration('HERALD_INBOUND_REJECTED_RETENTION', '3d'),
  HERALD_TRUSTED_PROXIES: z.string().default('').transform((text, context) => {
    const parsed = parseTrustedProxies(text);
    if (!parsed.ok) {
      context.addIssue({ code: 'custom', message: `HERALD_TRUSTED_PROXIES must be comma-separated addresses or CIDR ranges of your proxies, such as 10.0.0.0/8,::1 (got "${parsed.bad}")` });
      return z.NEVER;
    }
    return parsed.list;
  }),
  HERALD_HEADERS_TIMEOUT: duration('HERALD_HEADERS_TIMEOUT', '10s'),
  HERALD_REQUEST_TIMEOUT: duration('HERALD_REQUEST_TIMEOUT', '30s'),
  HERALD_KEEP_ALIVE_TIMEOUT: duration('HERALD_KEEP_ALIVE_TIMEOUT', '72s'),
  HERALD_MAX_CONNECTIONS_PER_CLIENT: integer('HERALD_MAX_CONNECTIONS_PER_CLIENT', 256, 0, 1_000_000),
  HERALD_RELAY_HOST: z.string().refine((text) => isIP(text) !== 0 || /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(text),
    'HERALD_RELAY_HOST must be an IP address or host name of this process that workers can reach, such as 10.0.0.5 or api-1.internal').optional(),
});

export type HeraldRole = 'api' | 'worker' | 'all';

export interface HeraldConfig {
  port: number;
  host: string;
  dataDir: string;
  adminToken: string | undefined;
  allowPrivateTargets: boolean;
  /** Private ranges deliveries may reach (HERALD_PRIVATE_TARGETS); metadata addresses never. */
  privateTargets: string[];
  /** Brokers queue-destination endpoints may reach (HERALD_BROKER_TARGETS), as scheme://host:port. */
  brokerTargets: string[];
  /** Endpoint URLs must be https, at create, update and send. */
  httpsOnly: boolean;
  retryScheduleMs: number[];
  maxBodyBytes: number;
  deliveryDeadlineMs: number;
  connectTimeoutMs: number;
  maxResponseBytes: number;
  workerConcurrency: number;
  originConcurrency: number;
  /** Run the delivery engine on its own thread, so that delivery and the API use two cores. */
  deliveryThread: boolean;
  /** With the delivery thread: how many threads send HTTP (the per-origin limit is shared among them). */
  senderThreads: number;
  disableAfterMs: number;
  operationalWebhookUrls: string[];
  operationalWebhookSecret: string | undefined;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  logLevel: string;
  /** Who may embed the tenant portal in an iframe (CSP frame-ancestors). */
  portalFrameAncestors: string;
  /** Base URL users reach Herald at, for app-portal links; the listening URL when unset. */
  publicUrl: string | undefined;
  /** Base64 AES-256 keys for secrets at rest, the sealing one first; a key file in the data directory when unset. */
  encryptionKeys: string[] | undefined;
  /** Per-token budgets for the management API and for sending messages; null is off. */
  rateLimits: { management: RateLimit | null; ingest: RateLimit | null };
  /** Set: PostgreSQL mode (many API and worker processes); unset: embedded SQLite. */
  databaseUrl: string | undefined;
  /** api serves HTTP only, worker delivers only, all does both. */
  role: HeraldRole;
  /** PostgreSQL mode: a claimed delivery's lease, renewed every third of it while the worker holds the delivery. */
  leaseMs: number;
  /** PostgreSQL mode: most deliveries in flight to one endpoint across every worker; 0 for no limit. */
  endpointConcurrency: number;
  /** PostgreSQL mode: payloads and attempt bodies older than this are purged; 0 keeps them forever. */
  retentionMs: number;
  /** PostgreSQL mode: most connections one process opens. */
  databasePoolSize: number;
  /** Largest body accepted on an ingest URL (/in/<token>); larger is a 413 before it is read whole. */
  inboundMaxBodyBytes: number;
  /** Bodies of rejected inbound requests are purged after this long (0 keeps them). */
  inboundRejectedRetentionMs: number;
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed; empty: none. */
  trustedProxies: string[];
  /** OpenTelemetry tracing, from the standard OTEL_* variables; null (no OpenTelemetry loaded) unless asked for. */
  tracing: TracingSettings | null;
  /** Slow clients: deadlines for a request's headers, for the whole request, for an idle keep-alive connection. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Most connections open at once from one client address (trusted proxies exempt); 0 for no limit. */
  maxConnectionsPerClient: number;
  /** The address `herald listen` deliveries reach this process's relay route on; the listening host (loopback for 0.0.0.0) when unset. */
  relayHost: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Herald's configuration is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): HeraldConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([name, value]) => name.startsWith('HERALD_') && value !== ''));
  const parsed = environment.safeParse(present);
  const tracing = tracingSettings(env);
  if (!parsed.success || tracing.problems.length > 0) {
    throw new ConfigError([...(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)), ...tracing.problems]);
  }
  const e = parsed.data;
  if (e.HERALD_ROLE !== 'all' && !e.HERALD_DATABASE_URL) {
    throw new ConfigError([`HERALD_ROLE=${e.HERALD_ROLE} needs HERALD_DATABASE_URL: embedded SQLite runs API and delivery in one process (role all)`]);
  }
  const deadlineProblems = slowClientProblems(e.HERALD_HEADERS_TIMEOUT, e.HERALD_REQUEST_TIMEOUT, e.HERALD_KEEP_ALIVE_TIMEOUT);
  if (deadlineProblems.length > 0) throw new ConfigError(deadlineProblems);
  return {
    port: e.HERALD_PORT,
    host: e.HERALD_HOST,
    dataDir: isAbsolute(e.HERALD_DATA_DIR) ? e.HERALD_DATA_DIR : resolve(e.HERALD_DATA_DIR),
    adminToken: e.HERALD_ADMIN_TOKEN,
    allowPrivateTargets: e.HERALD_ALLOW_PRIVATE_TARGETS,
    privateTargets: e.HERALD_PRIVATE_TARGETS,
    brokerTargets: e.HERALD_BROKER_TARGETS,
    httpsOnly: e.HERALD_HTTPS_ONLY,
    retryScheduleMs: e.HERALD_RETRY_SCHEDULE,
    maxBodyBytes: e.HERALD_MAX_BODY_BYTES,
    deliveryDeadlineMs: e.HERALD_DELIVERY_DEADLINE,
    connectTimeoutMs: e.HERALD_CONNECT_TIMEOUT,
    maxResponseBytes: e.HERALD_MAX_RESPONSE_BYTES,
    workerConcurrency: e.HERALD_WORKER_CONCURRENCY,
    originConcurrency: e.HERALD_ORIGIN_CONCURRENCY,
    deliveryThread: e.HERALD_DELIVERY_THREAD,
    senderThreads: e.HERALD_SENDER_THREADS,
    disableAfterMs: e.HERALD_DISABLE_AFTER,
    operationalWebhookUrls: e.HERALD_OPERATIONAL_WEBHOOK_URLS,
    operationalWebhookSecret: e.HERALD_OPERATIONAL_WEBHOOK_SECRET,
    sqliteSynchronous: e.HERALD_SQLITE_SYNCHRONOUS,
    logLevel: e.HERALD_LOG_LEVEL,
    portalFrameAncestors: e.HERALD_PORTAL_FRAME_ANCESTORS.trim(),
    publicUrl: e.HERALD_PUBLIC_URL,
    encryptionKeys: e.HERALD_ENCRYPTION_KEY,
    rateLimits: { management: e.HERALD_RATE_LIMIT, ingest: e.HERALD_INGEST_RATE_LIMIT },
    databaseUrl: e.HERALD_DATABASE_URL,
    role: e.HERALD_ROLE,
    leaseMs: e.HERALD_LEASE,
    endpointConcurrency: e.HERALD_ENDPOINT_CONCURRENCY,
    retentionMs: e.HERALD_RETENTION,
    databasePoolSize: e.HERALD_DATABASE_POOL_SIZE,
    inboundMaxBodyBytes: e.HERALD_INBOUND_MAX_BODY_BYTES,
    inboundRejectedRetentionMs: e.HERALD_INBOUND_REJECTED_RETENTION,
    trustedProxies: e.HERALD_TRUSTED_PROXIES,
    tracing: tracing.settings,
    headersTimeoutMs: e.HERALD_HEADERS_TIMEOUT,
    requestTimeoutMs: e.HERALD_REQUEST_TIMEOUT,
    keepAliveTimeoutMs: e.HERALD_KEEP_ALIVE_TIMEOUT,
    maxConnectionsPerClient: e.HERALD_MAX_CONNECTIONS_PER_CLIENT,
    relayHost: e.HERALD_RELAY_HOST,
  };
}

/** Node refuses a header deadline longer than the request deadline; 0 would turn a deadline off. */
function slowClientProblems(headersMs: number, requestMs: number, keepAliveMs: number): string[] {
  const problems: string[] = [];
  const within = (name: string, ms: number, min: number, max: number) => {
    if (ms < min || ms > max) problems.push(`${name} must be from ${min / 1_000}s to ${max / 60_000}m (got ${ms} ms)`);
  };
  within('HERALD_HEADERS_TIMEOUT', headersMs, 1_000, 600_000);
  within('HERALD_REQUEST_TIMEOUT', requestMs, 1_000, 3_600_000);
  within('HERALD_KEEP_ALIVE_TIMEOUT', keepAliveMs, 1_000, 600_000);
  if (problems.length === 0 && headersMs > requestMs) {
    problems.push(`HERALD_HEADERS_TIMEOUT (${headersMs} ms) must not be longer than HERALD_REQUEST_TIMEOUT (${requestMs} ms): the headers are part of the request`);
  }
  return problems;
}
