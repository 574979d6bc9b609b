import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';

// Both commands load @herald/server only when they run, so that every other command works
// without the SQLite driver being loaded (or even built).

export function serveCommand(): Command {
  return new Command('serve')
    .description("Run Herald here: API, delivery engine and store (embedded mode, one SQLite file)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options, self: Command) => {
      // The server's own entry point reads process.argv, so whatever `serve` options it accepts
      // (now or later) pass through unchanged.
      process.argv = [process.argv[0]!, 'herald', 'serve', ...self.args];
      await loadServer(() => import('@herald/server/main'));
    })
    .addHelpText('after', `
Configuration is environment variables (HERALD_PORT, HERALD_DATA_DIR, HERALD_ADMIN_TOKEN, ...);
see the README's configuration table. Stop with Ctrl-C: deliveries in flight finish first.`);
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description("Bring the store's schema up to date, then exit (Herald also does this at start)")
    .action(async () => {
      const { ConfigError, loadConfig, migrateStore } = await loadServer(() => import('@herald/server'));
      let config;
      try {
        config = loadConfig();
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(error.message, EXIT.badConfiguration);
        throw error;
      }
      const { location } = await migrateStore(config);
      process.stderr.write(`migrated ${location}\n`);
    });
}

/** The server is an optional dependency: without its SQLite driver, say so rather than crash. */
async function loadServer<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new CliError(`cannot load Herald's server (${(error as Error).message}); install @herald/server with its SQLite driver to use serve and migrate`);
  }
}
