export * from './types.ts';
export { validateFilter, validateRequestFilter } from './validate.ts';
export { matchesFilter, matchRequest } from './match.ts';
