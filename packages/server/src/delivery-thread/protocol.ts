import type { OperationalEvent } from '@herald/core';
import type { HttpSenderOptions } from '@herald/delivery';

/** What the main thread gives the delivery thread at start. */
export interface DeliveryThreadData {
  dbPath: string;
  /** Opens the endpoint secrets of claimed deliveries (see SecretBox). */
  encryptionKeys: string[];
  logLevel: string;
  sender: Omit<HttpSenderOptions, 'lookup'>;
  senderThreads: number;
  retryScheduleMs: number[];
  failureWindowMs: number;
  maxInFlight: number;
  maxPerOrigin: number;
}

export type ToDeliveryThread = 'wake' | 'stop';

export type FromDeliveryThread =
  | { type: 'metrics'; attempts: Array<['success' | 'retry' | 'failed', number]>; delivered: number[]; stale: number }
  | { type: 'event'; event: OperationalEvent }
  | { type: 'endpoints-changed' }
  | { type: 'stopped' };
