import type { Application, Attempt, Endpoint, Message } from './domain.ts';

/**
 * Herald's own events about itself (Svix's "operational webhooks"), delivered to the operator's
 * URLs. The delivery engine only describes them; the server decides where they go.
 */
export interface OperationalEventSink {
  publish(event: OperationalEvent): Promise<void>;
}

export type OperationalEventType =
  | 'endpoint.created'
  | 'endpoint.updated'
  | 'endpoint.deleted'
  | 'endpoint.disabled'
  | 'message.attempt.exhausted'
  | 'message.attempt.failing';

export interface OperationalEvent {
  type: OperationalEventType;
  /** The application the event is about, so the sink can skip events about its own deliveries. */
  appId: string;
  data: Record<string, unknown>;
}

export const noOperationalEvents: OperationalEventSink = { async publish() {} };

export function endpointEvent(
  type: 'endpoint.created' | 'endpoint.updated' | 'endpoint.deleted',
  app: Pick<Application, 'id' | 'uid'>,
  endpoint: Pick<Endpoint, 'id' | 'uid'>,
): OperationalEvent {
  return { type, appId: app.id, data: { appId: app.id, appUid: app.uid ?? undefined, endpointId: endpoint.id, endpointUid: endpoint.uid ?? undefined } };
}

export function endpointDisabledEvent(endpoint: Endpoint, failSince: number): OperationalEvent {
  return {
    type: 'endpoint.disabled',
    appId: endpoint.appId,
    data: {
      appId: endpoint.appId,
      endpointId: endpoint.id,
      endpointUid: endpoint.uid ?? undefined,
      failSince: new Date(failSince).toISOString(),
      trigger: 'automatic',
    },
  };
}

export function attemptEvent(
  type: 'message.attempt.exhausted' | 'message.attempt.failing',
  message: Message,
  attempt: Attempt,
): OperationalEvent {
  return {
    type,
    appId: message.appId,
    data: {
      appId: message.appId,
      msgId: message.id,
      msgEventId: message.eventId ?? undefined,
      endpointId: attempt.endpointId,
      lastAttempt: {
        id: attempt.id,
        timestamp: new Date(attempt.createdAt).toISOString(),
        responseStatusCode: attempt.responseStatusCode,
      },
    },
  };
}
