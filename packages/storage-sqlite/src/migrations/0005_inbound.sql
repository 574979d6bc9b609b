-- The inbound gateway (issue 12): sources providers post to, the requests they send, and how each
-- request was routed. A source owns its backing application: deleting the application deletes the
-- source, and with it (by cascade) its tokens, requests and route outcomes.

CREATE TABLE inbound_sources (
  id TEXT PRIMARY KEY,
  uid TEXT UNIQUE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  -- The whole config as JSON; withSecretEncryption stores it as {"$sealed": "..."}.
  config TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  app_id TEXT NOT NULL UNIQUE REFERENCES applications(id) ON DELETE CASCADE,
  disabled INTEGER NOT NULL DEFAULT 0,
  allowed_cidrs TEXT,
  rate_limit REAL,
  response TEXT,
  dedupe TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Looked up by the SHA-256 of the token (no decryption on the hot path); the token itself is kept
-- sealed, to be shown again. expires_at is null for the current token.
CREATE TABLE inbound_source_tokens (
  token_sha256 TEXT PRIMARY KEY,
  source_id TEXT NOT NULL REFERENCES inbound_sources(id) ON DELETE CASCADE,
  token TEXT NOT NULL,
  expires_at INTEGER,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX inbound_source_tokens_by_source ON inbound_source_tokens (source_id);

-- Every request a source received, whatever its verdict. A request is routable while
-- routing_round > routed_round; claiming leases it (leased_until) and bumps fence, and only the
-- holder of the current fence can complete it.
CREATE TABLE inbound_requests (
  id TEXT PRIMARY KEY,
  source_id TEXT NOT NULL REFERENCES inbound_sources(id) ON DELETE CASCADE,
  received_at INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  query TEXT NOT NULL,
  headers TEXT NOT NULL,
  body BLOB,
  source_ip TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('accepted', 'rejected', 'duplicate')),
  reject_reason TEXT,
  dedupe_key TEXT,
  duplicate_of TEXT,
  duplicates INTEGER NOT NULL DEFAULT 0,
  event_type TEXT NOT NULL,
  routing_round INTEGER NOT NULL DEFAULT 0,
  routed_round INTEGER NOT NULL DEFAULT -1,
  fence INTEGER NOT NULL DEFAULT 0,
  leased_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbound_requests_by_source ON inbound_requests (source_id, id);
-- One accepted request per provider delivery id and source: what makes a repeat a duplicate.
CREATE UNIQUE INDEX inbound_requests_dedupe ON inbound_requests (source_id, dedupe_key)
  WHERE verdict = 'accepted' AND dedupe_key IS NOT NULL;
CREATE INDEX inbound_requests_routable ON inbound_requests (received_at)
  WHERE verdict = 'accepted' AND routing_round > routed_round;
CREATE INDEX inbound_requests_rejected_bodies ON inbound_requests (received_at)
  WHERE verdict = 'rejected' AND body IS NOT NULL;

-- Per request, round and endpoint: what routing decided. endpoint_id has no foreign key: the
-- history outlives a deleted endpoint.
CREATE TABLE inbound_route_outcomes (
  request_id TEXT NOT NULL REFERENCES inbound_requests(id) ON DELETE CASCADE,
  round INTEGER NOT NULL,
  endpoint_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT,
  msg_id TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (request_id, round, endpoint_id)
) WITHOUT ROWID;

-- Ingest endpoints' request filter and the provider headers they pass on.
ALTER TABLE endpoints ADD COLUMN filter TEXT;
ALTER TABLE endpoints ADD COLUMN forward_headers TEXT;
-- The provider headers a routed message is delivered with.
ALTER TABLE messages ADD COLUMN headers TEXT;
