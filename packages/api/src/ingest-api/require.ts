import { NotFoundError, type Endpoint } from '@herald/core';
import type { InboundSource } from '@herald/storage';
import type { ApiDeps } from '../deps.ts';

export async function requireSource(deps: ApiDeps, idOrUid: string): Promise<InboundSource> {
  const source = await deps.store.getSource(idOrUid);
  if (!source) throw new NotFoundError('Ingest source');
  return source;
}

/** Ingest endpoints are the endpoints of the source's backing application, found only through their source. */
export async function requireIngestEndpoint(deps: ApiDeps, sourceIdOrUid: string, endpointIdOrUid: string): Promise<{ source: InboundSource; endpoint: Endpoint }> {
  const source = await requireSource(deps, sourceIdOrUid);
  const endpoint = await deps.store.getEndpoint(source.appId, endpointIdOrUid);
  if (!endpoint) throw new NotFoundError('Ingest endpoint');
  return { source, endpoint };
}
