import type { Application, Attempt, Endpoint, EndpointSecret, EventType, Message } from '@herald/core';

/** Column-to-domain mapping for every table, in one place. */

export interface ApplicationRow {
  id: string; uid: string | null; name: string; throttle_rate: number | null; metadata: string;
  created_at: number; updated_at: number;
}
export const toApplication = (row: ApplicationRow): Application => ({
  id: row.id, uid: row.uid, name: row.name, throttleRate: row.throttle_rate,
  metadata: JSON.parse(row.metadata), createdAt: row.created_at, updatedAt: row.updated_at,
});

export interface EventTypeRow {
  name: string; description: string; archived: number; deprecated: number; feature_flag: string | null;
  schemas: string | null; created_at: number; updated_at: number;
}
export const toEventType = (row: EventTypeRow): EventType => ({
  name: row.name, description: row.description, archived: row.archived === 1, deprecated: row.deprecated === 1,
  featureFlag: row.feature_flag, schemas: row.schemas === null ? null : JSON.parse(row.schemas),
  createdAt: row.created_at, updatedAt: row.updated_at,
});

export interface EndpointRow {
  id: string; app_id: string; uid: string | null; url: string; description: string; disabled: number;
  event_types: string | null; channels: string | null; headers: string; throttle_rate: number | null;
  metadata: string; version: number; secrets: string; failing_since: number | null;
  created_at: number; updated_at: number; verification: string | null; filter: string | null; forward_headers: string | null;
}
export const toEndpoint = (row: EndpointRow): Endpoint => ({
  id: row.id, appId: row.app_id, uid: row.uid, url: row.url, description: row.description,
  disabled: row.disabled === 1, eventTypes: parseNullable(row.event_types), channels: parseNullable(row.channels),
  headers: JSON.parse(row.headers), throttleRate: row.throttle_rate, metadata: JSON.parse(row.metadata),
  version: row.version, failingSince: row.failing_since, createdAt: row.created_at, updatedAt: row.updated_at,
  // Present only when the endpoint opted in, so endpoints that did not look as they always have.
  ...(row.verification === null ? {} : { verification: JSON.parse(row.verification) }),
  ...(row.filter === null ? {} : { filter: JSON.parse(row.filter) as unknown }),
  ...(row.forward_headers === null ? {} : { forwardHeaders: JSON.parse(row.forward_headers) as string[] }),
});

/** The secrets still valid at `now`, current first. */
export function activeSecrets(json: string, now: number): EndpointSecret[] {
  return (JSON.parse(json) as EndpointSecret[]).filter((secret) => secret.expiresAt === null || secret.expiresAt > now);
}

export interface MessageRow {
  id: string; app_id: string; event_type: string; event_id: string | null; channels: string | null;
  tags: string | null;
  payload: string | null; created_at: number; headers: string | null; trace_parent?: string | null;
}
export const toMessage = (row: MessageRow): Message => ({
  id: row.id, appId: row.app_id, eventType: row.event_type, eventId: row.event_id,
  channels: parseNullable(row.channels), tags: parseNullable(row.tags), payload: row.payload ?? '{}', createdAt: row.created_at,
  // Present only when set, so messages without provider headers look as they always have.
  ...(row.headers === null ? {} : { headers: JSON.parse(row.headers) as Record<string, string> }),
  ...(row.trace_parent ? { traceparent: row.trace_parent } : {}),
});

export interface AttemptRow {
  id: string; msg_id: string; endpoint_id: string; app_id: string; url: string; status: number;
  response_status_code: number; response: string; response_duration_ms: number; trigger_type: number;
  created_at: number; request_headers: string | null;
}
export const toAttempt = (row: AttemptRow): Attempt => ({
  id: row.id, msgId: row.msg_id, endpointId: row.endpoint_id, appId: row.app_id, url: row.url,
  status: row.status as Attempt['status'], responseStatusCode: row.response_status_code, response: row.response,
  responseDurationMs: row.response_duration_ms, triggerType: row.trigger_type, createdAt: row.created_at,
  ...(row.request_headers === null ? {} : { requestHeaders: JSON.parse(row.request_headers) as Record<string, string> }),
});

export function parseNullable<T>(json: string | null): T | null {
  return json === null ? null : (JSON.parse(json) as T);
}

export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
