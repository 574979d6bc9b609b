import type { Server } from 'node:http';
import { isIPv4 } from 'node:net';
import { trustedProxyList } from './inbound/client-address.ts';

/** How long a client may hold a connection, and how many it may hold at once. */
export interface ConnectionLimits {
  /** From the connection (or the end of the previous request) to the end of the request's headers. */
  headersTimeoutMs: number;
  /** From the connection (or the end of the previous request) to the end of the request's body. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Most connections open at once from one client address; 0 for no limit. */
  maxConnectionsPerClient: number;
  /** Proxies (addresses or CIDR ranges) carry many clients' connections: the cap does not apply to them. */
  trustedProxies: readonly string[];
}

/**
 * Node checks the header and request deadlines on a timer, every 30 s by default: a stalled body
 * then held its connection up to the deadline plus 30 s. Checking every second (or a quarter of the
 * shortest deadline) costs one walk over the open connections and cuts them close to the deadline.
 */
function checkingIntervalMs(limits: ConnectionLimits): number {
  return Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)));
}

/** Fastify's options for the deadlines; keep-alive and request deadlines are Fastify's own names. */
export function serverOptionsFor(limits: ConnectionLimits) {
  return {
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: checkingIntervalMs(limits) },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  };
}

/**
 * Refuses (closes at once) a connection beyond the per-address cap, so that one client holding
 * many slow connections cannot take every socket the process has. IPv4 clients seen over IPv6
 * (::ffff:a.b.c.d) count as their IPv4 address.
 */
export function capConnectionsPerClient(server: Server, limits: ConnectionLimits): void {
  if (limits.maxConnectionsPerClient <= 0) return;
  const proxies = trustedProxyList(limits.trustedProxies);
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const raw = socket.remoteAddress;
    if (raw === undefined) return;
    const address = raw.startsWith('::ffff:') && isIPv4(raw.slice(7)) ? raw.slice(7) : raw;
    if (proxies?.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
