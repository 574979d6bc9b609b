/**
 * The ingest API's part of the served OpenAPI document. Svix's vendored contract has no ingest
 * paths, so this is Herald's own description of them: the svix SDK's models (IngestSource*,
 * IngestEndpoint*) with Herald's extension fields marked, and the request-log routes, which are
 * Herald's alone (`x-herald-extension`).
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ content: { 'application/json': { schema } } });
const ok = (status: string, name: string | null, description = 'OK') =>
  ({ [status]: name === null ? { description } : { description, ...json(ref(name)) } });
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const str = { type: 'string' };
const time = { type: 'string', format: 'date-time' };
const map = { type: 'object', additionalProperties: { type: 'string' } };
const ext = (schema: Schema, description: string): Schema => ({ ...schema, description: `Herald extension. ${description}` });
const errors = {
  '401': { description: 'Unauthorized', ...json(ref('HttpErrorOut')) },
  '404': { description: 'Not found (also for application tokens: the ingest API is for admin and organisation tokens)', ...json(ref('HttpErrorOut')) },
  '422': { description: 'Validation error', ...json(ref('HTTPValidationError')) },
};

const sourceExtensions: Record<string, Schema> = {
  disabled: ext({ type: 'boolean' }, 'A disabled source answers 410 and records the request.'),
  allowedIps: ext(nullable({ type: 'array', items: str }), 'Addresses and CIDR blocks allowed to post; others get 403.'),
  ipPreset: ext(nullable(str), 'A provider whose published webhook addresses are allowed (e.g. "stripe").'),
  rateLimit: ext(nullable({ type: 'integer', minimum: 1 }), 'Requests per second; over it is 429 with Retry-After.'),
  response: ext(nullable({ type: 'object', properties: { status: { type: 'integer', minimum: 200, maximum: 299 }, contentType: str, body: str } }),
    'The answer to an accepted request; default 200 {"ok":true}.'),
  dedupe: ext(nullable({ type: 'object', properties: { from: { type: 'string', enum: ['header', 'body', 'query'] }, path: str } }),
    'Where the provider\'s delivery id is; default: the type\'s preset.'),
};
const endpointExtensions: Record<string, Schema> = {
  filter: ext(nullable({ type: 'object', properties: { body: {}, headers: {}, query: {}, path: {} } }),
    'A request filter in Hookdeck\'s dialect; every given section must match.'),
  forwardHeaders: ext(nullable({ type: 'array', items: str }), 'Provider headers passed on to this endpoint (lower-cased).'),
};
const endpointFields = {
  url: { type: 'string', format: 'uri' }, description: str, uid: nullable(str), disabled: { type: 'boolean' },
  rateLimit: nullable({ type: 'integer' }), throttleRate: nullable({ type: 'integer' }), metadata: map,
};
const page = (item: string): Schema => ({
  type: 'object', required: ['data', 'done', 'iterator'],
  properties: { data: { type: 'array', items: ref(item) }, done: { type: 'boolean' }, iterator: nullable(str), prevIterator: nullable(str) },
});

export const INGEST_SCHEMAS: Record<string, Schema> = {
  IngestSourceIn: {
    type: 'object', required: ['name', 'type'],
    properties: { name: str, uid: nullable(str), metadata: map, type: str, config: { type: 'object', description: 'One shape per type (SvixConfig, GithubConfig, ...)' }, ...sourceExtensions },
  },
  IngestSourceOut: {
    type: 'object', required: ['id', 'name', 'type', 'createdAt', 'updatedAt', 'metadata'],
    properties: { id: str, uid: nullable(str), name: str, type: str, config: { type: 'object', description: 'Without secrets' }, metadata: map, ingestUrl: nullable(str), createdAt: time, updatedAt: time, ...sourceExtensions },
  },
  ListResponseIngestSourceOut: page('IngestSourceOut'),
  RotateTokenOut: { type: 'object', required: ['ingestUrl'], properties: { ingestUrl: str } },
  IngestEndpointIn: { type: 'object', required: ['url'], properties: { ...endpointFields, secret: nullable(str), ...endpointExtensions } },
  IngestEndpointUpdate: { type: 'object', required: ['url'], properties: { ...endpointFields, ...endpointExtensions } },
  IngestEndpointOut: {
    type: 'object', required: ['id', 'url', 'description', 'metadata', 'createdAt', 'updatedAt'],
    properties: { id: str, ...endpointFields, createdAt: time, updatedAt: time, ...endpointExtensions },
  },
  ListResponseIngestEndpointOut: page('IngestEndpointOut'),
  IngestEndpointHeadersIn: { type: 'object', required: ['headers'], properties: { headers: map } },
  IngestEndpointHeadersPatchIn: { type: 'object', required: ['headers'], properties: { headers: { type: 'object', additionalProperties: nullable(str) } } },
  IngestEndpointHeadersOut: { type: 'object', required: ['headers', 'sensitive'], properties: { headers: map, sensitive: { type: 'array', items: str } } },
  IngestEndpointSecretIn: { type: 'object', properties: { key: nullable(str), gracePeriodSeconds: ext(nullable({ type: 'integer' }), 'Default 86400.') } },
  IngestEndpointSecretOut: { type: 'object', required: ['key'], properties: { key: str } },
  IngestEndpointTransformationOut: { type: 'object', properties: { code: nullable(str), enabled: { type: 'boolean' } } },
  IngestEndpointTransformationPatch: { type: 'object', properties: { code: nullable({ type: 'string', maxLength: 65_536 }), enabled: { type: 'boolean' } } },
  InboundRequestOut: {
    type: 'object', 'x-herald-extension': true,
    properties: {
      id: str, sourceId: str, receivedAt: time, method: str, path: str, query: str, headers: map,
      body: nullable({ type: 'string', description: 'The body as text; null when not kept or not UTF-8' }),
      bodyBase64: { type: 'string', description: 'The body, when it is not UTF-8' }, sourceIp: str,
      verdict: { type: 'string', enum: ['accepted', 'rejected', 'duplicate'] }, rejectReason: nullable(str), dedupeKey: nullable(str),
      duplicateOf: nullable(str), duplicates: { type: 'integer' }, eventType: str, routingRound: { type: 'integer' }, routedRound: { type: 'integer' },
    },
  },
  InboundRequestDetailOut: {
    allOf: [ref('InboundRequestOut'), {
      type: 'object',
      properties: {
        outcomes: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              endpointId: str, outcome: { type: 'string', enum: ['forwarded', 'filtered', 'transformation_failed', 'endpoint_disabled'] },
              reason: nullable(str), msgId: nullable(str), round: { type: 'integer' }, createdAt: time,
              attempts: { type: 'array', items: ref('MessageAttemptOut') },
            },
          },
        },
      },
    }],
  },
  ListResponseInboundRequestOut: page('InboundRequestOut'),
  InboundReplayIn: { type: 'object', properties: { verdict: nullable({ type: 'string', enum: ['accepted', 'rejected', 'duplicate'] }), since: nullable(time), until: nullable(time) } },
  InboundReplayOut: { type: 'object', required: ['replayed'], properties: { replayed: { type: 'integer' }, stillRejected: { type: 'integer', description: 'With verdict "rejected": those that still fail' } } },
  FilterTestIn: {
    type: 'object', required: ['filter', 'request'],
    properties: { filter: { type: 'object' }, request: { type: 'object', properties: { body: {}, headers: map, query: { type: 'object' }, path: str } } },
  },
  FilterTestOut: { type: 'object', required: ['match'], properties: { match: { type: 'boolean' }, section: { type: 'string', enum: ['body', 'headers', 'query', 'path'] }, reason: str } },
  SourceFilterTestIn: { type: 'object', required: ['filter'], properties: { filter: { type: 'object' }, limit: { type: 'integer', minimum: 1, maximum: 100 } } },
  SourceFilterTestOut: {
    type: 'object',
    properties: {
      data: {
        type: 'array',
        items: { type: 'object', properties: { requestId: str, receivedAt: time, verdict: str, eventType: str, match: { type: 'boolean' }, section: str, reason: str } },
      },
    },
  },
};

const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: str });
const listParams = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 250 } },
  { name: 'iterator', in: 'query', schema: nullable(str) },
  { name: 'order', in: 'query', schema: { type: 'string', enum: ['ascending', 'descending'] } },
];
const op = (id: string, summary: string, params: string[], extra: Schema, herald = false): Schema => ({
  operationId: id, summary, tags: ['Ingest'], ...extra,
  parameters: [...params.map(pathParam), ...((extra.parameters as Schema[] | undefined) ?? [])],
  responses: { ...(extra.responses as Schema), ...errors },
  ...(herald ? { 'x-herald-extension': true } : {}),
});
const body = (name: string) => ({ requestBody: { required: true, ...json(ref(name)) } });

const S = '/ingest/api/v1/source';
const SRC = `${S}/{source_id}`;
const EP = `${SRC}/endpoint/{endpoint_id}`;

export const INGEST_PATHS: Record<string, Record<string, Schema>> = {
  [S]: {
    get: op('v1.ingest.source.list', 'List ingest sources', [], { parameters: listParams, responses: ok('200', 'ListResponseIngestSourceOut') }),
    post: op('v1.ingest.source.create', 'Create an ingest source', [], { ...body('IngestSourceIn'), responses: ok('201', 'IngestSourceOut') }),
  },
  [SRC]: {
    get: op('v1.ingest.source.get', 'Get an ingest source', ['source_id'], { responses: ok('200', 'IngestSourceOut') }),
    put: op('v1.ingest.source.update', 'Update an ingest source', ['source_id'], { ...body('IngestSourceIn'), responses: ok('200', 'IngestSourceOut') }),
    delete: op('v1.ingest.source.delete', 'Delete an ingest source, its endpoints and its request log', ['source_id'], { responses: ok('204', null, 'No Content') }),
  },
  [`${SRC}/token/rotate`]: {
    post: op('v1.ingest.source.rotate-token', 'Rotate the ingest URL\'s token; the old one works for a grace period', ['source_id'], { responses: ok('200', 'RotateTokenOut') }),
  },
  [`${SRC}/endpoint`]: {
    get: op('v1.ingest.endpoint.list', 'List a source\'s endpoints', ['source_id'], { parameters: listParams, responses: ok('200', 'ListResponseIngestEndpointOut') }),
    post: op('v1.ingest.endpoint.create', 'Create an ingest endpoint', ['source_id'], { ...body('IngestEndpointIn'), responses: ok('201', 'IngestEndpointOut') }),
  },
  [EP]: {
    get: op('v1.ingest.endpoint.get', 'Get an ingest endpoint', ['source_id', 'endpoint_id'], { responses: ok('200', 'IngestEndpointOut') }),
    put: op('v1.ingest.endpoint.update', 'Update an ingest endpoint', ['source_id', 'endpoint_id'], { ...body('IngestEndpointUpdate'), responses: ok('200', 'IngestEndpointOut') }),
    delete: op('v1.ingest.endpoint.delete', 'Delete an ingest endpoint', ['source_id', 'endpoint_id'], { responses: ok('204', null, 'No Content') }),
  },
  [`${EP}/headers`]: {
    get: op('v1.ingest.endpoint.get-headers', 'Get an ingest endpoint\'s headers', ['source_id', 'endpoint_id'], { responses: ok('200', 'IngestEndpointHeadersOut') }),
    put: op('v1.ingest.endpoint.update-headers', 'Replace an ingest endpoint\'s headers', ['source_id', 'endpoint_id'], { ...body('IngestEndpointHeadersIn'), responses: ok('204', null, 'No Content') }),
    patch: op('v1.ingest.endpoint.patch-headers', 'Merge into an ingest endpoint\'s headers; null removes one', ['source_id', 'endpoint_id'], { ...body('IngestEndpointHeadersPatchIn'), responses: ok('204', null, 'No Content') }),
  },
  [`${EP}/secret`]: {
    get: op('v1.ingest.endpoint.get-secret', 'Get an ingest endpoint\'s signing secret', ['source_id', 'endpoint_id'], { responses: ok('200', 'IngestEndpointSecretOut') }),
  },
  [`${EP}/secret/rotate`]: {
    post: op('v1.ingest.endpoint.rotate-secret', 'Rotate an ingest endpoint\'s signing secret', ['source_id', 'endpoint_id'], {
      requestBody: { required: false, ...json(ref('IngestEndpointSecretIn')) }, responses: ok('204', null, 'No Content'),
    }),
  },
  [`${EP}/transformation`]: {
    get: op('v1.ingest.endpoint.get-transformation', 'Get an ingest endpoint\'s transformation', ['source_id', 'endpoint_id'], { responses: ok('200', 'IngestEndpointTransformationOut') }),
    patch: op('v1.ingest.endpoint.set-transformation', 'Set an ingest endpoint\'s transformation (stored; run from issue 13)', ['source_id', 'endpoint_id'], {
      ...body('IngestEndpointTransformationPatch'), responses: ok('204', null, 'No Content'),
    }),
  },
  [`${SRC}/request`]: {
    get: op('v1.ingest.request.list', 'List the requests a source received, newest first', ['source_id'], {
      parameters: [...listParams,
        { name: 'with_content', in: 'query', schema: { type: 'boolean', default: true }, description: 'false leaves the bodies out' },
        { name: 'verdict', in: 'query', schema: { type: 'string', enum: ['accepted', 'rejected', 'duplicate'] } },
        { name: 'before', in: 'query', schema: time }, { name: 'after', in: 'query', schema: time }],
      responses: ok('200', 'ListResponseInboundRequestOut'),
    }, true),
  },
  [`${SRC}/request/{request_id}`]: {
    get: op('v1.ingest.request.get', 'One request, with each endpoint\'s outcome and its delivery attempts', ['source_id', 'request_id'], { responses: ok('200', 'InboundRequestDetailOut') }, true),
  },
  [`${SRC}/request/{request_id}/replay`]: {
    post: op('v1.ingest.request.replay', 'Route a request again (a rejected one is verified again first)', ['source_id', 'request_id'], { responses: ok('202', 'InboundRequestDetailOut') }, true),
  },
  [`${SRC}/replay`]: {
    post: op('v1.ingest.source.replay', 'Route again every accepted request in a time range', ['source_id'], {
      requestBody: { required: false, ...json(ref('InboundReplayIn')) }, responses: ok('202', 'InboundReplayOut'),
    }, true),
  },
  [`${SRC}/filter/test`]: {
    post: op('v1.ingest.source.filter-test', 'Try a filter on the source\'s latest requests', ['source_id'], { ...body('SourceFilterTestIn'), responses: ok('200', 'SourceFilterTestOut') }, true),
  },
  '/ingest/api/v1/filter/test': {
    post: op('v1.ingest.filter-test', 'Try a filter on one request', [], { ...body('FilterTestIn'), responses: ok('200', 'FilterTestOut') }, true),
  },
};
