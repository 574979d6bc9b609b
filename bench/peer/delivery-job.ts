// What one BullMQ job holds and what it returns: one delivery of one message to one endpoint. The
// return value is the attempt's record, which BullMQ keeps on the completed job (removeOnComplete
// keeps a week of them); failed attempts are appended to a Redis list, as BullMQ keeps only the last
// failure's reason on a job.
export interface DeliveryJob {
  msgId: string;
  endpointId: string;
  eventType: string;
  /** The payload serialized once at ingest, so every endpoint's job signs and sends the same bytes. */
  body: string;
  /** Unix seconds, the message's timestamp: the signed webhook-timestamp of every attempt. */
  timestamp: number;
}

export interface AttemptRecord {
  at: number;
  status: 'success' | 'failure';
  responseStatusCode: number;
  durationMs: number;
  response: string;
}

export const QUEUE_NAME = 'webhook-deliveries';
