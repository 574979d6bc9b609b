import { CommanderError } from 'commander';
import { CliError, EXIT } from './exit-codes.ts';
import { buildProgram } from './program.ts';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed the problem; help and --version end with code 0.
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  if (error instanceof CliError) {
    process.stderr.write(`herald: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`herald: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(EXIT.remoteFailure);
}
