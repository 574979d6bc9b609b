import { BadRequestError, ConflictError, NotFoundError, chooseEndpoints, newMessage, type Message } from '@herald/core';
import { getApplication } from './queries/applications.ts';
import { allEndpoints } from './queries/endpoints.ts';
import { insertMessages } from './queries/messages.ts';
import { UNIQUE_VIOLATION, isPgError, type Queryable } from './sql.ts';

export interface EnqueueInput {
  /** The application's id (app_...) or uid. */
  app: string;
  eventType: string;
  /** An object is sent as its JSON; a string must already be JSON text and is sent byte for byte. */
  payload: unknown;
  eventId?: string | null;
  channels?: string[] | null;
}

/**
 * Creates a message with the caller's own pg client, inside the caller's transaction: the message
 * and its deliveries commit or roll back together with the application's data (the outbox
 * pattern, with Herald's tables as the outbox). Fan-out is the API's (core chooseEndpoints): every
 * enabled endpoint whose event type filter and channels match and whose payload filter, if it has
 * one, matches; read and decided inside the caller's transaction. Workers are notified when, and
 * only if, the transaction commits. The client must reach Herald's tables (same database, Herald's
 * schema on its search_path).
 */
export async function enqueueMessage(client: Queryable, input: EnqueueInput, now: number = Date.now()): Promise<Message> {
  const app = await getApplication(client, input.app);
  if (!app) throw new NotFoundError('Application');
  const payload = typeof input.payload === 'string' ? input.payload : JSON.stringify(input.payload);
  if (payload === undefined) throw new BadRequestError('payload must be JSON.');
  const message = newMessage({ appId: app.id, eventType: input.eventType, eventId: input.eventId, channels: input.channels, payload }, now);
  const endpointIds = chooseEndpoints(await allEndpoints(client, app.id), message).map((endpoint) => endpoint.id);
  try {
    await insertMessages(client, [{ message, endpointIds }], now);
  } catch (error) {
    if (isPgError(error, UNIQUE_VIOLATION)) throw new ConflictError(`A message with eventId "${message.eventId}" already exists.`);
    throw error;
  }
  return message;
}
