import { Command } from 'commander';
import { contextOf, type Column } from '../output.ts';
import { fetchList, withListOptions } from '../list-options.ts';

interface EventTypeOut {
  name: string;
  description: string;
  archived: boolean;
  createdAt: string;
}

const COLUMNS: Array<Column<EventTypeOut>> = [
  ['name', (type) => type.name], ['description', (type) => type.description], ['archived', (type) => type.archived], ['created', (type) => type.createdAt],
];
const path = (name: string) => `/api/v1/event-type/${encodeURIComponent(name)}`;

export function eventTypeCommand(): Command {
  const command = new Command('event-type').description('Event types: the names messages are sent under, that endpoints subscribe to');

  withListOptions(command.command('list').description('List event types'))
    .option('--include-archived', 'also list archived event types')
    .action(async (options: { limit: number; all?: boolean; includeArchived?: boolean }, self: Command) => {
      const { client, output } = contextOf(self);
      const query = { include_archived: options.includeArchived ? 'true' : undefined };
      output.list(await fetchList<EventTypeOut>(client, '/api/v1/event-type', options, 'event types', query), COLUMNS);
    });

  command.command('create <name>')
    .description('Create an event type')
    .option('--description <text>', 'what the event means', '')
    .action(async (name: string, options: { description: string }, self: Command) => {
      const { client, output } = contextOf(self);
      const created = await client.request<EventTypeOut>('POST', '/api/v1/event-type', { body: { name, description: options.description } });
      output.value(created.name, created);
    })
    .addHelpText('after', '\nExample:\n  herald event-type create order.paid --description "An order was paid"');

  command.command('get <name>').description('Show one event type').action(async (name: string, _options, self: Command) => {
    const { client, output } = contextOf(self);
    output.item(await client.request<EventTypeOut>('GET', path(name)));
  });

  command.command('delete <name>')
    .description('Archive an event type (or delete it for good with --expunge)')
    .option('--expunge', 'delete it instead of archiving it')
    .action(async (name: string, options: { expunge?: boolean }, self: Command) => {
      const { client, output } = contextOf(self);
      await client.request('DELETE', path(name), { query: { expunge: options.expunge } });
      output.note(`${options.expunge ? 'deleted' : 'archived'} event type ${name}`);
    });
  return command;
}
