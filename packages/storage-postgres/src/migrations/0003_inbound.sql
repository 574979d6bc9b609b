-- The inbound gateway (issue 12), as the embedded store's migration 0005: sources providers post
-- to, the requests they send, and how each request was routed. A source owns its backing
-- application: deleting the application deletes the source, its tokens, requests and outcomes.

CREATE TABLE inbound_sources (
  id text COLLATE "C" PRIMARY KEY,
  uid text UNIQUE,
  name text NOT NULL,
  type text NOT NULL,
  -- The whole config; withSecretEncryption stores it as {"$sealed": "..."}.
  config jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  app_id text COLLATE "C" NOT NULL UNIQUE REFERENCES applications(id) ON DELETE CASCADE,
  disabled boolean NOT NULL DEFAULT false,
  allowed_cidrs jsonb,
  rate_limit double precision,
  response jsonb,
  dedupe jsonb,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

-- Looked up by the SHA-256 of the token (no decryption on the hot path); the token itself is kept
-- sealed, to be shown again. expires_at is null for the current token.
CREATE TABLE inbound_source_tokens (
  token_sha256 text PRIMARY KEY,
  source_id text COLLATE "C" NOT NULL REFERENCES inbound_sources(id) ON DELETE CASCADE,
  token text NOT NULL,
  expires_at bigint,
  created_at bigint NOT NULL
);
CREATE INDEX inbound_source_tokens_by_source ON inbound_source_tokens (source_id);

-- Every request a source received, whatever its verdict. A request is routable while
-- routing_round > routed_round; claiming leases it (leased_until) and bumps fence, and only the
-- holder of the current fence can complete it.
CREATE TABLE inbound_requests (
  id text COLLATE "C" PRIMARY KEY,
  source_id text COLLATE "C" NOT NULL REFERENCES inbound_sources(id) ON DELETE CASCADE,
  received_at bigint NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  query text NOT NULL,
  headers jsonb NOT NULL,
  body bytea,
  source_ip text NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('accepted', 'rejected', 'duplicate')),
  reject_reason text,
  dedupe_key text,
  duplicate_of text COLLATE "C",
  duplicates integer NOT NULL DEFAULT 0,
  event_type text NOT NULL,
  routing_round integer NOT NULL DEFAULT 0,
  routed_round integer NOT NULL DEFAULT -1,
  fence bigint NOT NULL DEFAULT 0,
  leased_until bigint NOT NULL DEFAULT 0
);
CREATE INDEX inbound_requests_by_source ON inbound_requests (source_id, id);
-- One accepted request per provider delivery id and source: what makes a repeat a duplicate,
-- also between two API processes committing the same delivery at once.
CREATE UNIQUE INDEX inbound_requests_dedupe ON inbound_requests (source_id, dedupe_key)
  WHERE verdict = 'accepted' AND dedupe_key IS NOT NULL;
CREATE INDEX inbound_requests_routable ON inbound_requests (received_at, id)
  WHERE verdict = 'accepted' AND routing_round > routed_round;
CREATE INDEX inbound_requests_rejected_bodies ON inbound_requests (received_at)
  WHERE verdict = 'rejected' AND body IS NOT NULL;

-- Per request, round and endpoint: what routing decided. endpoint_id has no foreign key: the
-- history outlives a deleted endpoint.
CREATE TABLE inbound_route_outcomes (
  request_id text COLLATE "C" NOT NULL REFERENCES inbound_requests(id) ON DELETE CASCADE,
  round integer NOT NULL,
  endpoint_id text COLLATE "C" NOT NULL,
  outcome text NOT NULL,
  reason text,
  msg_id text,
  created_at bigint NOT NULL,
  PRIMARY KEY (request_id, round, endpoint_id)
);

-- Ingest endpoints' request filter and the provider headers they pass on.
ALTER TABLE endpoints ADD COLUMN filter jsonb, ADD COLUMN forward_headers jsonb;
-- The provider headers a routed message is delivered with.
ALTER TABLE messages ADD COLUMN headers jsonb;
