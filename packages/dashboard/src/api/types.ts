/** The Svix-style wire shapes the dashboard reads (a subset of each). */

export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export interface ApplicationOut {
  id: string;
  uid: string | null;
  name: string;
  createdAt: string;
}

export interface EventTypeOut {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  createdAt: string;
}

export interface EndpointOut {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  filterTypes: string[] | null;
  /** Herald extension: the content filter on the payload, null for none. */
  filter?: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointStatsOut {
  success: number;
  fail: number;
  pending: number;
  sending: number;
}

/** Herald extension: GET .../endpoint/{id}/stats/timeline (empty buckets left out). */
export interface TimelineOut {
  since: string;
  until: string;
  bucketSeconds: number;
  data: Array<{ start: string; success: number; fail: number; averageLatencyMs: number; maxLatencyMs: number }>;
}

export interface MessageOut {
  id: string;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  payload: unknown;
  timestamp: string;
}

/** 0 success, 1 pending, 2 fail, 3 sending. */
export type DeliveryStatus = 0 | 1 | 2 | 3;

export interface EndpointMessageOut extends MessageOut {
  status: DeliveryStatus;
  nextAttempt: string | null;
}

/** Herald extension: GET .../msg/{id}/fan-out, what each endpoint's subscription and filter say of a message. */
export interface FanOutOut {
  endpointId: string;
  url: string;
  outcome: 'matched' | 'not_subscribed' | 'filtered';
  reason: string | null;
  delivered: boolean;
}

export interface DestinationOut extends EndpointOut {
  status: DeliveryStatus;
  nextAttempt: string | null;
}

export interface AttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: DeliveryStatus;
  triggerType: 0 | 1;
  timestamp: string;
  /** What Herald sent (Herald extension; absent on attempts recorded before it existed). */
  requestHeaders?: Record<string, string> | null;
}
