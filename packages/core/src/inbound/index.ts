export * from './source-types.ts';
export * from './verify.ts';
export * from './request-facts.ts';
export * from './ip-allowlist.ts';
