import { Command } from 'commander';
import { contextOf, type Column } from '../output.ts';
import { fetchList, withListOptions } from '../list-options.ts';

interface ApplicationOut {
  id: string;
  uid: string | null;
  name: string;
  createdAt: string;
}

const COLUMNS: Array<Column<ApplicationOut>> = [['id', (app) => app.id], ['uid', (app) => app.uid], ['name', (app) => app.name], ['created', (app) => app.createdAt]];
const path = (app: string) => `/api/v1/app/${encodeURIComponent(app)}`;

export function appCommand(): Command {
  const command = new Command('app').description('Applications: one per customer or tenant that receives webhooks');

  withListOptions(command.command('list').description('List applications')).action(async (options, self: Command) => {
    const { client, output } = contextOf(self);
    output.list(await fetchList<ApplicationOut>(client, '/api/v1/app', options, 'applications'), COLUMNS);
  });

  command.command('create <name>')
    .description('Create an application and print its id')
    .option('--uid <uid>', 'your own unique id for it, usable wherever an app id is')
    .option('--if-missing', 'if one with this uid exists, return it instead of failing')
    .action(async (name: string, options: { uid?: string; ifMissing?: boolean }, self: Command) => {
      const { client, output } = contextOf(self);
      const created = await client.request<ApplicationOut>('POST', '/api/v1/app', {
        body: { name, uid: options.uid }, query: { get_if_exists: options.ifMissing },
      });
      output.value(created.id, created);
    })
    .addHelpText('after', '\nExample:\n  herald app create "Acme Corp" --uid acme');

  command.command('get <app>').description('Show one application (by id or uid)').action(async (app: string, _options, self: Command) => {
    const { client, output } = contextOf(self);
    output.item(await client.request<ApplicationOut>('GET', path(app)));
  });

  command.command('delete <app>').description('Delete an application with its endpoints and messages').action(async (app: string, _options, self: Command) => {
    const { client, output } = contextOf(self);
    await client.request('DELETE', path(app));
    output.note(`deleted application ${app}`);
  });
  return command;
}
