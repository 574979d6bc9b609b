import { Command, Option } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes.ts';
import { appCommand } from './commands/app.ts';
import { endpointCommand } from './commands/endpoint.ts';
import { eventTypeCommand } from './commands/event-type.ts';
import { listenCommand } from './commands/listen.ts';
import { messageCommand } from './commands/message.ts';
import { migrateCommand, serveCommand } from './commands/server.ts';
import { sourceCommand } from './commands/source.ts';
import { tailCommand } from './commands/tail.ts';
import { triggerCommand } from './commands/trigger.ts';
import { verifyCommand } from './commands/verify.ts';
import { pollCommand } from './commands/poll.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8071';

/** The whole `herald` command line. */
export function buildProgram(): Command {
  const program = new Command('herald')
    .description('Herald, the self-hosted webhook platform: run it, manage it, send and watch webhooks.')
    .version('0.1.0')
    .addOption(new Option('--url <url>', 'Herald base URL').env('HERALD_URL').default(DEFAULT_URL))
    .addOption(new Option('--token <token>', 'API bearer token (printed by Herald on first start)').env('HERALD_TOKEN'))
    .option('--json', 'print JSON instead of tables (data on stdout, notes on stderr)');
  for (const command of [
    serveCommand(), migrateCommand(), appCommand(), eventTypeCommand(), endpointCommand(), messageCommand(),
    triggerCommand(), tailCommand(), listenCommand(), verifyCommand(), sourceCommand(), pollCommand(),
  ]) {
    program.addCommand(command);
  }
  forEachCommand(program, (command) => command.exitOverride().showHelpAfterError('(add --help for usage)').showSuggestionAfterError());
  program.addHelpText('after', `
Getting started:
  herald serve                                   # run Herald here; it prints an admin token once
  export HERALD_TOKEN=sk_herald_...              # that token
  herald app create "Acme Corp" --uid acme
  herald event-type create order.paid
  herald listen --app acme --forward-to http://localhost:3000/webhook
  herald trigger order.paid --app acme --data '{"id":"ord_1"}'   # in another terminal
  herald tail --app acme

Receiving other providers' webhooks (GitHub, Stripe, ...):
  herald source create GitHub --uid github --type github --secret @secret.txt   # prints the ingest URL
  herald source requests github --follow
  herald listen --source github --forward-to http://localhost:3000/hook

Environment: HERALD_URL and HERALD_TOKEN stand in for --url and --token.
${EXIT_CODES_HELP}`);
  return program;
}

/** Commander copies settings only into subcommands made with .command(), not into added ones. */
function forEachCommand(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) forEachCommand(sub, apply);
}
