import { HeraldError, type AuditEntry, type ErrorCode, type OperationalEvent } from '@herald/core';
import type { HttpSenderOptions } from '@herald/delivery';
import type { NewInboundRequest, NewMessage, RecordedInboundRequest } from '@herald/storage';
import type { TracingSettings } from '../tracing/settings.ts';

/** What the main thread gives the delivery thread at start. */
export interface DeliveryThreadData {
  dbPath: string;
  /** Accepted messages are committed on this thread, so it needs the durability the operator chose. */
  synchronous: 'FULL' | 'NORMAL';
  /** Opens the endpoint secrets of claimed deliveries (see SecretBox). */
  encryptionKeys: string[];
  logLevel: string;
  sender: Omit<HttpSenderOptions, 'lookup'>;
  senderThreads: number;
  retryScheduleMs: number[];
  failureWindowMs: number;
  maxInFlight: number;
  maxPerOrigin: number;
  /** Run the inbound router on this thread too: its claims, messages and completions are writes. */
  routeInbound?: boolean;
  /** Set when tracing is on: the thread traces its attempts with a tracer of its own. */
  tracing?: TracingSettings;
}

export type ToDeliveryThread =
  | 'wake'
  | 'stop'
  | { type: 'commit'; id: number; batch: NewMessage[]; now: number }
  | { type: 'audit'; id: number; entries: AuditEntry[] }
  | { type: 'record-inbound'; id: number; batch: NewInboundRequest[]; now: number };

/** A HeraldError as it crosses the thread boundary (structured cloning keeps no classes). */
export interface WireError {
  code: ErrorCode;
  status: number;
  message: string;
}

export const toWireError = (error: HeraldError | null): WireError | null =>
  error && { code: error.code, status: error.status, message: error.message };

export const fromWireError = (error: WireError | null): HeraldError | null =>
  error && new HeraldError(error.code, error.status, error.message);

export type FromDeliveryThread =
  | { type: 'metrics'; attempts: Array<['success' | 'retry' | 'failed', number]>; delivered: number[]; stale: number }
  | { type: 'event'; event: OperationalEvent }
  | { type: 'endpoints-changed' }
  | { type: 'committed'; id: number; results: Array<WireError | null> }
  | { type: 'written'; id: number }
  | { type: 'recorded'; id: number; results: Array<{ recorded: RecordedInboundRequest } | { error: WireError }> }
  | { type: 'write-failed'; id: number; reason: string }
  | { type: 'stopped' };
