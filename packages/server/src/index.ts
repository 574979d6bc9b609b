export { loadConfig, ConfigError, type HeraldConfig } from './config.ts';
export { startHerald, type RunningHerald } from './start.ts';
export { createLogger } from './logger.ts';
export { migrateStore } from './migrate.ts';
