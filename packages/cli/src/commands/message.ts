import { Command } from 'commander';
import { contextOf, type Column } from '../output.ts';
import { fetchList, withListOptions } from '../list-options.ts';
import { commaList } from './arguments.ts';

interface MessageOut {
  id: string;
  eventType: string;
  eventId: string | null;
  payload: unknown;
  timestamp: string;
}

export interface AttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: number;
  statusText: string;
  triggerType: number;
  timestamp: string;
}

const COLUMNS: Array<Column<MessageOut>> = [
  ['id', (message) => message.id], ['event type', (message) => message.eventType], ['event id', (message) => message.eventId], ['time', (message) => message.timestamp],
];
const ATTEMPT_COLUMNS: Array<Column<AttemptOut>> = [
  ['id', (attempt) => attempt.id], ['endpoint', (attempt) => attempt.endpointId], ['status', (attempt) => attempt.statusText],
  ['code', (attempt) => attempt.responseStatusCode], ['ms', (attempt) => attempt.responseDurationMs], ['time', (attempt) => attempt.timestamp],
];
const messagesOf = (app: string) => `/api/v1/app/${encodeURIComponent(app)}/msg`;

export function messageCommand(): Command {
  const command = new Command('message').description('Messages: the events sent to an application (see also `herald trigger`)');

  withListOptions(command.command('list <app>').description("List an application's messages, newest first"))
    .option('--event-types <types>', 'only these event types (comma-separated)', commaList)
    .action(async (app: string, options: { limit: number; all?: boolean; eventTypes?: string[] }, self: Command) => {
      const { client, output } = contextOf(self);
      const query = { event_types: options.eventTypes?.join(',') };
      output.list(await fetchList<MessageOut>(client, messagesOf(app), options, 'messages', query), COLUMNS);
    });

  command.command('get <app> <message>').description('Show one message (by id or eventId), payload included').action(async (app: string, message: string, _options, self: Command) => {
    const { client, output } = contextOf(self);
    output.item(await client.request<MessageOut>('GET', `${messagesOf(app)}/${encodeURIComponent(message)}`));
  });

  withListOptions(command.command('attempts <app> <message>').description("List a message's delivery attempts, newest first"))
    .action(async (app: string, message: string, options: { limit: number; all?: boolean }, self: Command) => {
      const { client, output } = contextOf(self);
      const path = `/api/v1/app/${encodeURIComponent(app)}/attempt/msg/${encodeURIComponent(message)}`;
      output.list(await fetchList<AttemptOut>(client, path, options, 'attempts'), ATTEMPT_COLUMNS);
    });
  return command;
}
