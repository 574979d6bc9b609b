import { Command } from 'commander';
import { contextOf } from '../output.ts';
import { jsonArgument } from './arguments.ts';

export function triggerCommand(): Command {
  return new Command('trigger')
    .description("Send a message: Herald delivers it to every endpoint of the app subscribed to the event type")
    .argument('<event-type>', 'the event type, e.g. order.paid')
    .requiredOption('--app <app>', 'application id or uid')
    .option('--data <json|@file>', 'the payload: inline JSON, @file.json, or @- for stdin', jsonArgument, {})
    .option('--event-id <id>', 'your id for the event; Herald ignores a second message with the same one')
    .option('--channels <list>', 'comma-separated channels', (text: string) => text.split(','))
    .action(async (eventType: string, options: { app: string; data: unknown; eventId?: string; channels?: string[] }, self: Command) => {
      const { client, output } = contextOf(self);
      const message = await client.request<{ id: string }>('POST', `/api/v1/app/${encodeURIComponent(options.app)}/msg`, {
        body: { eventType, payload: options.data, eventId: options.eventId, channels: options.channels },
      });
      output.value(message.id, message);
    })
    .addHelpText('after', `
Examples:
  herald trigger order.paid --app acme --data '{"id":"ord_1","amount":1200}'
  herald trigger order.paid --app acme --data @order.json
  cat order.json | herald trigger order.paid --app acme --data @-`);
}
