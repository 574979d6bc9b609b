import { readFileSync } from 'node:fs';
import { ENDPOINT_KEY_OUT_PATTERN, ENDPOINT_SECRET_PATTERN } from './schemas/endpoint.ts';
import { INGEST_PATHS, INGEST_SCHEMAS } from './ingest-api/openapi.ts';

type Operation = Record<string, unknown>;
type OpenApiDocument = {
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  [key: string]: unknown;
};

/** Svix's OpenAPI document, kept in the repo as Herald's wire contract. */
export const CONTRACT_URL = new URL('../contract/svix-openapi.json', import.meta.url);

export function loadContract(): OpenApiDocument {
  return JSON.parse(readFileSync(CONTRACT_URL, 'utf8')) as OpenApiDocument;
}

/** `/api/v1/app/:app_id` -> `/api/v1/app/{app_id}` */
export function toOpenApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([a-zA-Z_]+)/g, '{$1}');
}

/**
 * The document Herald actually implements: the contract's operations that have a route here,
 * plus the field names Herald also accepts because the Svix SDKs still send them.
 */
export function implementedDocument(routes: Array<{ method: string; path: string }>): OpenApiDocument {
  const contract = loadContract();
  const implemented = new Set(routes.map((route) => `${route.method.toLowerCase()} ${toOpenApiPath(route.path)}`));
  const paths: OpenApiDocument['paths'] = {};
  for (const [path, operations] of Object.entries(contract.paths)) {
    const kept = Object.fromEntries(Object.entries(operations).filter(([method]) => implemented.has(`${method} ${path}`)));
    if (Object.keys(kept).length > 0) paths[path] = kept;
  }
  // The ingest API is not in Svix's vendored contract: Herald describes it itself.
  for (const [path, operations] of Object.entries(INGEST_PATHS)) {
    const kept = Object.fromEntries(Object.entries(operations).filter(([method]) => implemented.has(`${method} ${path}`)));
    if (Object.keys(kept).length > 0) paths[path] = kept;
  }
  const schemas = contract.components.schemas;
  Object.assign(schemas, INGEST_SCHEMAS);
  const aliases = {
    filterTypes: { type: 'array', items: { type: 'string' }, nullable: true, description: 'Alias of eventTypes (Svix SDK name).' },
    rateLimit: { type: 'integer', nullable: true, description: 'Alias of throttleRate (older Svix name).' },
    version: { type: 'integer', minimum: 1, nullable: true },
  };
  for (const name of ['EndpointIn', 'EndpointUpdate', 'EndpointPatch', 'EndpointOut', 'MessageEndpointOut']) {
    const schema = schemas[name];
    if (schema?.properties) Object.assign(schema.properties, aliases);
  }
  // Herald extension (issue 13): a content filter on the payload, in Hookdeck's dialect.
  const payloadFilter = {
    type: 'object', nullable: true,
    description: 'Herald extension: deliver only messages whose payload matches this filter (Hookdeck dialect; '
      + 'a missing field or a payload that is not JSON is no match). Left out: unchanged; null: no filter.',
  };
  for (const name of ['EndpointIn', 'EndpointUpdate', 'EndpointPatch', 'EndpointOut', 'MessageEndpointOut']) {
    const schema = schemas[name];
    if (schema?.properties) schema.properties.filter = payloadFilter;
  }
  if (schemas.EndpointIn?.properties) {
    schemas.EndpointIn.properties.headers = { type: 'object', additionalProperties: { type: 'string' }, nullable: true };
  }
  // Herald also takes `whsk_` (ed25519) secrets, and shows their `whpk_` public key.
  const secretFields: Array<[string, string, RegExp]> = [
    ['EndpointIn', 'secret', ENDPOINT_SECRET_PATTERN],
    ['EndpointSecretRotateIn', 'key', ENDPOINT_SECRET_PATTERN],
    ['EndpointSecretOut', 'key', ENDPOINT_KEY_OUT_PATTERN],
  ];
  for (const [name, field, pattern] of secretFields) {
    const property = schemas[name]?.properties?.[field] as { pattern?: string; description?: string } | undefined;
    if (!property) continue;
    property.pattern = pattern.source;
    property.description = `${property.description ?? ''} Herald also accepts \`whsk_\` and base64 of a 32-byte ed25519 private key, `
      + 'and then signs with ed25519 (v1a) and shows the `whpk_` public key instead of the secret.';
  }
  return { ...contract, info: { ...contract.info, title: 'Herald API (Svix v1 compatible)' }, paths };
}
