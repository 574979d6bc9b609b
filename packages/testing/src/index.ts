export * from './receiver.ts';
export * from './herald.ts';
export * from './wait.ts';
export * from './api-client.ts';
export * from './hostile-receivers.ts';
export * from './timer-lag.ts';
export * from './brokers.ts';
