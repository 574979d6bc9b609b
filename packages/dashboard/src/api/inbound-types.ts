/** The inbound gateway's wire shapes (/ingest/api/v1: Svix Ingest, plus Herald's extensions). */
import type { AttemptOut } from './types.ts';

export interface SourceResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface SourceOut {
  id: string;
  uid: string | null;
  name: string;
  type: string;
  /** The type's config without its secrets. */
  config: Record<string, unknown>;
  metadata: Record<string, string>;
  ingestUrl: string | null;
  createdAt: string;
  updatedAt: string;
  disabled: boolean;
  allowedIps: string[] | null;
  ipPreset: string | null;
  rateLimit: number | null;
  response: SourceResponse | null;
}

export interface IngestEndpointOut {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  rateLimit: number | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  filter: unknown;
  forwardHeaders: string[] | null;
}

export type InboundVerdict = 'accepted' | 'rejected' | 'duplicate';

export interface InboundRequestOut {
  id: string;
  sourceId: string;
  receivedAt: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | null;
  bodyBase64?: string;
  sourceIp: string;
  verdict: InboundVerdict;
  rejectReason: string | null;
  dedupeKey: string | null;
  duplicateOf: string | null;
  duplicates: number;
  eventType: string;
  routingRound?: number;
  routedRound?: number;
}

export type RouteOutcomeKind = 'forwarded' | 'filtered' | 'transformation_failed' | 'endpoint_disabled';

export interface RouteOutcomeOut {
  endpointId: string;
  outcome: RouteOutcomeKind;
  reason: string | null;
  msgId: string | null;
  round: number;
  createdAt: string;
  attempts: AttemptOut[];
}

export interface InboundRequestDetailOut extends InboundRequestOut {
  outcomes: RouteOutcomeOut[];
}

export type FilterVerdictOut = { match: true } | { match: false; section: string; reason: string };

/** POST /source/{id}/filter/test: the filter against the source's most recent requests. */
export interface SourceFilterTestOut {
  data: Array<{ requestId: string; receivedAt: string; verdict: InboundVerdict; eventType: string } & FilterVerdictOut>;
}
