import type { Application, Endpoint, OperationalEventSink } from '@herald/core';
import { NotFoundError } from '@herald/core';
import type { Store } from '@herald/storage';
import type { MessageIngest } from './ingest.ts';
import type { RelayOptions } from './relay/relay-routes.ts';

export type UrlCheck = (url: string) => { ok: true; url: URL } | { ok: false; reason: string };

/** Everything the HTTP API needs, passed in by the composition root. */
export interface ApiDeps {
  store: Store;
  ingest: MessageIngest;
  clock: () => number;
  /** SHA-256 (hex) of the admin bearer token. */
  adminTokenSha256: string;
  maxBodyBytes: number;
  /** Endpoint URL policy (scheme, private addresses), applied at create and update. */
  checkUrl: UrlCheck;
  operational: OperationalEventSink;
  /** Tells an in-process worker that deliveries were queued outside ingest (resend, recover). */
  queueChanged: () => void;
  /** Reports whether storage answers; the health route turns false into 503. */
  storageHealthy: () => Promise<boolean>;
  /** Serves `herald listen` sessions and their relay route when set. */
  relay?: RelayOptions;
}

export async function requireApp(deps: ApiDeps, idOrUid: string): Promise<Application> {
  const app = await deps.store.getApplication(idOrUid);
  if (!app) throw new NotFoundError('Application');
  return app;
}

export async function requireEndpoint(deps: ApiDeps, appIdOrUid: string, endpointIdOrUid: string): Promise<{ app: Application; endpoint: Endpoint }> {
  const app = await requireApp(deps, appIdOrUid);
  const endpoint = await deps.store.getEndpoint(app.id, endpointIdOrUid);
  if (!endpoint) throw new NotFoundError('Endpoint');
  return { app, endpoint };
}
