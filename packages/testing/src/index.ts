export * from './receiver.ts';
export * from './herald.ts';
export * from './wait.ts';
