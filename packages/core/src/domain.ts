/** Herald's domain records as the store keeps them. Times are epoch milliseconds. */
import type { EndpointVerification } from './endpoint-verification.ts';

export enum MessageStatus {
  Success = 0,
  Pending = 1,
  Fail = 2,
  Sending = 3,
}

export const MESSAGE_STATUS_TEXT: Record<MessageStatus, 'success' | 'pending' | 'fail' | 'sending'> = {
  [MessageStatus.Success]: 'success',
  [MessageStatus.Pending]: 'pending',
  [MessageStatus.Fail]: 'fail',
  [MessageStatus.Sending]: 'sending',
};

export enum TriggerType {
  Scheduled = 0,
  Manual = 1,
}

export type Metadata = Record<string, string>;

export interface Application {
  id: string;
  uid: string | null;
  name: string;
  throttleRate: number | null;
  metadata: Metadata;
  createdAt: number;
  updatedAt: number;
}

export interface EventType {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  featureFlag: string | null;
  schemas: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
}

export interface Endpoint {
  id: string;
  appId: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  eventTypes: string[] | null;
  channels: string[] | null;
  headers: Record<string, string>;
  throttleRate: number | null;
  metadata: Metadata;
  version: number;
  /** Start of the current unbroken run of failures; null while healthy. */
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
  /** Set only on endpoints that opted in to the verification challenge (Herald extension). */
  verification?: EndpointVerification | null;
  /**
   * A request filter (ingest endpoints) or payload filter (outbound, issue 13), stored as given and
   * validated by the core before it is saved. Stores return it only when set, so endpoints without
   * one look as they always have (optional rather than required so that older callers still compile).
   */
  filter?: unknown | null;
  /** Lower-cased provider header names an ingest endpoint passes on; returned only when set. */
  forwardHeaders?: string[] | null;
}

export interface EndpointSecret {
  key: string;
  /** null for the current secret; set for a rotated-out secret still valid for a grace period. */
  expiresAt: number | null;
}

export interface Message {
  id: string;
  appId: string;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  /** Free-form labels to find the message by (`list?tag=`); unlike channels, they route nothing. */
  tags: string[] | null;
  /** The JSON text of the payload exactly as signed and sent. */
  payload: string;
  createdAt: number;
  /**
   * Extra headers to send with every delivery of this message: the provider headers the inbound
   * router kept (content-type, plus its endpoints' forwardHeaders). Returned only when set.
   */
  headers?: Record<string, string> | null;
  /**
   * The W3C traceparent of the span that accepted the message, when tracing is on: its delivery
   * attempts are traced as children of it. Internal; never shown by the API. Present only when set.
   */
  traceparent?: string;
}

export interface Attempt {
  id: string;
  msgId: string;
  endpointId: string;
  appId: string;
  url: string;
  status: MessageStatus.Success | MessageStatus.Fail;
  responseStatusCode: number;
  response: string;
  responseDurationMs: number;
  triggerType: TriggerType;
  createdAt: number;
  /**
   * The headers Herald sent (webhook-id, -timestamp, -signature and the custom ones), shown to
   * operators debugging a receiver. Absent when no request was made, or recorded before Herald kept them.
   */
  requestHeaders?: Record<string, string>;
}
