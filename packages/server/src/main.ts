#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startHerald } from './start.ts';

/** `herald serve`: runs Herald in embedded mode until SIGINT or SIGTERM. */
async function serve(): Promise<void> {
  let config;
  const roleAt = process.argv.indexOf('--role');
  if (roleAt > 0) process.env.HERALD_ROLE = process.argv[roleAt + 1] ?? '';
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const herald = await startHerald(config, logger).catch((error: unknown) => {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  });
  if (herald.generatedAdminToken) {
    // Shown once, on the terminal only: the database keeps just its hash.
    process.stderr.write(
      `\n  Herald generated an admin API token (shown only this once; keep it safe):\n\n    ${herald.generatedAdminToken}\n\n` +
      `  Use it as "Authorization: Bearer <token>", or set HERALD_ADMIN_TOKEN to choose your own.\n\n`);
  }
  if (config.role === 'worker') {
    process.stderr.write(`  Herald worker is listening on ${herald.url} (health: ${herald.url}/health, metrics: ${herald.url}/metrics)\n\n`);
  } else {
    process.stderr.write(`  Herald is listening on ${herald.url} (API: ${herald.url}/api/v1, docs: ${herald.url}/api/v1/openapi.json)\n\n`);
    process.stderr.write(`  Dashboard: ${herald.url}/ui (sign in with the admin token)\n\n`);
  }
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    herald.stop().then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

const command = process.argv[2] ?? 'serve';
if (command === 'serve') {
  await serve();
} else {
  process.stderr.write(`Unknown command "${command}". Usage: herald serve [--role api|worker|all]\n`);
  process.exit(64);
}
