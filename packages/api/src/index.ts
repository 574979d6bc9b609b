export { buildApi } from './app.ts';
export type { ApiDeps, ChallengeSender, UrlCheck } from './deps.ts';
export { MessageIngest, type IngestOptions } from './ingest.ts';
export { sha256Hex } from './auth.ts';
export { implementedDocument, loadContract, toOpenApiPath } from './openapi.ts';
export { IDEMPOTENCY_TTL_MS } from './idempotency.ts';
export { parseRateLimit, type RateLimit } from './rate-limit.ts';
