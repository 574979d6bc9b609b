import type { Application, Attempt, Endpoint, EndpointSecret, EndpointVerification, EventType, Message } from '@herald/core';

/** Column-to-domain mapping for every table, in one place. bigint columns arrive as numbers (see pool.ts). */

export interface ApplicationRow {
  id: string; uid: string | null; name: string; throttle_rate: number | null; metadata: Record<string, string>;
  created_at: number; updated_at: number;
}
export const toApplication = (row: ApplicationRow): Application => ({
  id: row.id, uid: row.uid, name: row.name, throttleRate: row.throttle_rate,
  metadata: row.metadata, createdAt: row.created_at, updatedAt: row.updated_at,
});

export interface EventTypeRow {
  name: string; description: string; archived: boolean; deprecated: boolean; feature_flag: string | null;
  schemas: Record<string, unknown> | null; created_at: number; updated_at: number;
}
export const toEventType = (row: EventTypeRow): EventType => ({
  name: row.name, description: row.description, archived: row.archived, deprecated: row.deprecated,
  featureFlag: row.feature_flag, schemas: row.schemas, createdAt: row.created_at, updatedAt: row.updated_at,
});

export interface EndpointRow {
  id: string; app_id: string; uid: string | null; url: string; description: string; disabled: boolean;
  event_types: string[] | null; channels: string[] | null; headers: Record<string, string>; throttle_rate: number | null;
  metadata: Record<string, string>; version: number; secrets: EndpointSecret[]; failing_since: number | null;
  created_at: number; updated_at: number; verification: EndpointVerification | null;
  filter: unknown; forward_headers: string[] | null;
}
export const toEndpoint = (row: EndpointRow): Endpoint => ({
  id: row.id, appId: row.app_id, uid: row.uid, url: row.url, description: row.description,
  disabled: row.disabled, eventTypes: row.event_types, channels: row.channels,
  headers: row.headers, throttleRate: row.throttle_rate, metadata: row.metadata,
  version: row.version, failingSince: row.failing_since, createdAt: row.created_at, updatedAt: row.updated_at,
  // Present only when the endpoint opted in, so endpoints that did not look as they always have.
  ...(row.verification === null ? {} : { verification: row.verification }),
  ...(row.filter === null ? {} : { filter: row.filter }),
  ...(row.forward_headers === null ? {} : { forwardHeaders: row.forward_headers }),
});

/** The secrets still valid at `now`, current first. */
export function activeSecrets(secrets: EndpointSecret[], now: number): EndpointSecret[] {
  return secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now);
}

export interface MessageRow {
  id: string; app_id: string; event_type: string; event_id: string | null; channels: string[] | null;
  tags: string[] | null;
  payload: string | null; created_at: number; headers: Record<string, string> | null; trace_parent: string | null;
}
export const toMessage = (row: MessageRow): Message => ({
  id: row.id, appId: row.app_id, eventType: row.event_type, eventId: row.event_id,
  channels: row.channels, tags: row.tags, payload: row.payload ?? '{}', createdAt: row.created_at,
  // Present only when set, so messages without provider headers look as they always have.
  ...(row.headers === null ? {} : { headers: row.headers }),
  ...(row.trace_parent ? { traceparent: row.trace_parent } : {}),
});

export interface AttemptRow {
  id: string; msg_id: string; endpoint_id: string; app_id: string; url: string; status: number;
  response_status_code: number; response: string; response_duration_ms: number; trigger_type: number;
  created_at: number; request_headers: Record<string, string> | null;
}
export const toAttempt = (row: AttemptRow): Attempt => ({
  id: row.id, msgId: row.msg_id, endpointId: row.endpoint_id, appId: row.app_id, url: row.url,
  status: row.status as Attempt['status'], responseStatusCode: row.response_status_code, response: row.response,
  responseDurationMs: row.response_duration_ms, triggerType: row.trigger_type, createdAt: row.created_at,
  ...(row.request_headers === null ? {} : { requestHeaders: row.request_headers }),
});

/** For a jsonb parameter: pg would send a JS array as a Postgres array, so JSON goes as text. */
export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
