import { RELAY_PATH_PREFIX } from '@herald/core';

/**
 * Herald's own relay route, the one loopback/private target deliveries may reach without
 * HERALD_ALLOW_PRIVATE_TARGETS: exactly this host, this port, plain http and the relay path.
 * The port lives in shared memory because it is known only once Herald listens (port 0 picks
 * one), after the sender threads have started; 0 means "not listening yet", and matches nothing.
 */
export interface OwnRelayTarget {
  host: string;
  port: Int32Array;
  /**
   * PostgreSQL mode: the relay origins (http://host:port) of the API processes that serve
   * `herald listen` sessions, as they registered them in the database; a worker in another process
   * reaches those sessions there. Kept current by the process (the sender runs in its thread then).
   */
  registeredOrigins?: ReadonlySet<string>;
}

export function ownRelayTarget(host: string): OwnRelayTarget {
  return { host, port: new Int32Array(new SharedArrayBuffer(4)) };
}

export function setOwnRelayPort(target: OwnRelayTarget, port: number): void {
  Atomics.store(target.port, 0, port);
}

export function isOwnRelayUrl(url: URL, target: OwnRelayTarget | undefined): boolean {
  if (!target || url.protocol !== 'http:' || !url.pathname.startsWith(RELAY_PATH_PREFIX)) return false;
  const port = Atomics.load(target.port, 0);
  if (port !== 0 && url.hostname.replace(/^\[(.*)\]$/, '$1') === target.host && url.port === String(port)) return true;
  return target.registeredOrigins?.has(url.origin) ?? false;
}

/** The URL's origin when it points at a relay route (whether or not that origin is known yet). */
export function relayOriginOf(raw: string): string | undefined {
  if (!raw.startsWith('http://') || !raw.includes(RELAY_PATH_PREFIX)) return undefined;
  try {
    const url = new URL(raw);
    return url.pathname.startsWith(RELAY_PATH_PREFIX) ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The URL, parsed, when it is Herald's own relay route; undefined for any other target. */
export function ownRelayUrl(raw: string, target: OwnRelayTarget | undefined): URL | undefined {
  if (!target) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  return isOwnRelayUrl(url, target) ? url : undefined;
}
