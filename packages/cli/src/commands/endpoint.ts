import { Command } from 'commander';
import { contextOf, type Column } from '../output.ts';
import { fetchList, withListOptions } from '../list-options.ts';
import { commaList } from './arguments.ts';

interface EndpointOut {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  filterTypes: string[] | null;
  createdAt: string;
}

const COLUMNS: Array<Column<EndpointOut>> = [
  ['id', (ep) => ep.id], ['url', (ep) => ep.url], ['events', (ep) => ep.filterTypes ?? '*'],
  ['disabled', (ep) => ep.disabled], ['description', (ep) => ep.description],
];
const endpointsOf = (app: string) => `/api/v1/app/${encodeURIComponent(app)}/endpoint`;
const path = (app: string, endpoint: string) => `${endpointsOf(app)}/${encodeURIComponent(endpoint)}`;

export function endpointCommand(): Command {
  const command = new Command('endpoint').description("Endpoints: the URLs an application's webhooks are delivered to");

  withListOptions(command.command('list <app>').description("List an application's endpoints"))
    .action(async (app: string, options: { limit: number; all?: boolean }, self: Command) => {
      const { client, output } = contextOf(self);
      output.list(await fetchList<EndpointOut>(client, endpointsOf(app), options, 'endpoints'), COLUMNS);
    });

  command.command('create <app> <url>')
    .description('Add an endpoint to an application and print its id')
    .option('--events <types>', 'only these event types (comma-separated); all by default', commaList)
    .option('--description <text>', 'a note for humans', '')
    .option('--uid <uid>', 'your own unique id for it')
    .action(async (app: string, url: string, options: { events?: string[]; description: string; uid?: string }, self: Command) => {
      const { client, output } = contextOf(self);
      const created = await client.request<EndpointOut>('POST', endpointsOf(app), {
        body: { url, description: options.description, uid: options.uid, filterTypes: options.events },
      });
      output.value(created.id, created);
    })
    .addHelpText('after', '\nExample:\n  herald endpoint create acme https://acme.example/webhooks --events order.paid,order.refunded');

  command.command('get <app> <endpoint>').description('Show one endpoint').action(async (app: string, endpoint: string, _options, self: Command) => {
    const { client, output } = contextOf(self);
    output.item(await client.request<EndpointOut>('GET', path(app, endpoint)));
  });

  command.command('delete <app> <endpoint>').description('Delete an endpoint').action(async (app: string, endpoint: string, _options, self: Command) => {
    const { client, output } = contextOf(self);
    await client.request('DELETE', path(app, endpoint));
    output.note(`deleted endpoint ${endpoint}`);
  });

  command.command('ping <app> <endpoint>')
    .description('Send the endpoint an example message now, and print the message id')
    .option('--event-type <name>', 'the example to send', 'herald.ping')
    .action(async (app: string, endpoint: string, options: { eventType: string }, self: Command) => {
      const { client, output } = contextOf(self);
      const message = await client.request<{ id: string }>('POST', `${path(app, endpoint)}/send-example`, { body: { eventType: options.eventType } });
      output.value(message.id, message);
      output.note(`see the result: herald message attempts ${app} ${message.id}`);
    });

  const secret = command.command('secret').description("An endpoint's signing secret");
  secret.command('get <app> <endpoint>').description('Print the current signing secret (whsec_...)').action(async (app: string, endpoint: string, _options, self: Command) => {
    const { client, output } = contextOf(self);
    const { key } = await client.request<{ key: string }>('GET', `${path(app, endpoint)}/secret`);
    output.value(key, { key });
  });
  secret.command('rotate <app> <endpoint>')
    .description('Replace the signing secret; the old one keeps signing during a grace period')
    .option('--key <whsec>', 'the new secret (generated if omitted)')
    .action(async (app: string, endpoint: string, options: { key?: string }, self: Command) => {
      const { client, output } = contextOf(self);
      await client.request('POST', `${path(app, endpoint)}/secret/rotate`, { body: { key: options.key ?? null } });
      const { key } = await client.request<{ key: string }>('GET', `${path(app, endpoint)}/secret`);
      output.value(key, { key });
    });
  return command;
}
