import type { Message, PollingEndpoint } from '@herald/core';
import type { Page, PageRequest } from './pagination.ts';

/**
 * A place in an application's message log (issue 18), in the order messages became visible.
 * Compared as the pair (tx, seq). SQLite has one writer, so a sequence number alone is commit
 * order and `tx` is always "0"; PostgreSQL needs the writing transaction as well (see
 * storage-postgres/src/queries/pollers.ts). Decimal strings: both may pass 2^53.
 */
export interface PollPosition {
  tx: string;
  seq: string;
}

/** Before every message. */
export const LOG_START: PollPosition = { tx: '0', seq: '0' };

export interface LoggedMessage {
  position: PollPosition;
  message: Message;
}

/** A named consumer's durable place in a polling endpoint's stream. */
export interface PollerConsumer {
  pollerId: string;
  consumerId: string;
  position: PollPosition;
  updatedAt: number;
}

export type NewPollingEndpoint = Omit<PollingEndpoint, 'createdAt' | 'updatedAt'>;
export type PollingEndpointChanges = Partial<Pick<PollingEndpoint, 'uid' | 'filterTypes' | 'channels' | 'description'>>;

export interface PollingStore {
  /** ConflictError when the application already has a polling endpoint with this uid; NotFoundError without the application. */
  createPollingEndpoint(input: NewPollingEndpoint, now: number): Promise<PollingEndpoint>;
  /** By id or uid, within the application. */
  getPollingEndpoint(appId: string, idOrUid: string): Promise<PollingEndpoint | undefined>;
  getPollingEndpointByTokenHash(tokenSha256: string): Promise<PollingEndpoint | undefined>;
  listPollingEndpoints(appId: string, page: PageRequest): Promise<Page<PollingEndpoint>>;
  /** NotFoundError without it; ConflictError for a uid another of the application's polling endpoints has. */
  updatePollingEndpoint(appId: string, id: string, changes: PollingEndpointChanges, now: number): Promise<PollingEndpoint>;
  /** Deletes it with its consumers' positions. */
  deletePollingEndpoint(appId: string, id: string): Promise<boolean>;

  /**
   * Up to `limit` of the application's messages after `after`, in log order. A message is only
   * returned once no message still to be committed can take a place before it, so a reader that
   * continues from the last position it got never skips one.
   */
  readMessageLog(appId: string, after: PollPosition, limit: number): Promise<LoggedMessage[]>;
  /** The position just before the application's first logged message created at or after `time`; its log's end if none was. */
  messageLogPositionAt(appId: string, time: number): Promise<PollPosition>;

  getPollerConsumer(pollerId: string, consumerId: string): Promise<PollerConsumer | undefined>;
  /** Creates or moves the consumer's position. */
  savePollerConsumer(pollerId: string, consumerId: string, position: PollPosition, now: number): Promise<void>;
  /** Every consumer of the polling endpoint, by name. */
  listPollerConsumers(pollerId: string): Promise<PollerConsumer[]>;
}
