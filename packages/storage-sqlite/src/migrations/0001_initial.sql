-- Herald's embedded schema. Times are epoch milliseconds; JSON columns hold JSON text.

CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  uid TEXT UNIQUE,
  name TEXT NOT NULL,
  throttle_rate INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE event_types (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  deprecated INTEGER NOT NULL DEFAULT 0,
  feature_flag TEXT,
  schemas TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  uid TEXT,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  disabled INTEGER NOT NULL DEFAULT 0,
  event_types TEXT,
  channels TEXT,
  headers TEXT NOT NULL DEFAULT '{}',
  throttle_rate INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  version INTEGER NOT NULL DEFAULT 1,
  -- [{ "key": "whsec_...", "expiresAt": null | ms }], current key first
  secrets TEXT NOT NULL,
  failing_since INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (app_id, uid)
);
CREATE INDEX endpoints_by_app ON endpoints (app_id, id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  event_id TEXT,
  channels TEXT,
  payload TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (app_id, event_id)
);
CREATE INDEX messages_by_app ON messages (app_id, id);

-- One row per (message, endpoint): the durable queue. A resend puts the row back in the queue.
-- status: 0 success, 1 pending, 2 fail, 3 sending. A row is claimable while status is 1 or 3 and
-- available_at has passed; claiming pushes available_at to the lease's end, so a crashed worker's
-- deliveries come back by themselves. fence grows on every claim; writes must present the fence.
CREATE TABLE deliveries (
  -- The rowid itself: no separate id index to maintain on the hottest insert path.
  id INTEGER PRIMARY KEY,
  msg_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  status INTEGER NOT NULL,
  trigger_type INTEGER NOT NULL DEFAULT 0,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL,
  fence INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (available_at) WHERE status IN (1, 3);
CREATE UNIQUE INDEX deliveries_by_msg ON deliveries (msg_id, endpoint_id);
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, msg_id);

-- Attempt ids are unique by construction (KSUIDs); they are looked up with their message, so the
-- (msg_id, id) index serves as the key and no separate id index is kept.
CREATE TABLE attempts (
  id TEXT NOT NULL,
  msg_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  url TEXT NOT NULL,
  status INTEGER NOT NULL,
  response_status_code INTEGER NOT NULL,
  response TEXT NOT NULL,
  response_duration_ms INTEGER NOT NULL,
  trigger_type INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX attempts_by_endpoint ON attempts (endpoint_id, id);
CREATE UNIQUE INDEX attempts_by_msg ON attempts (msg_id, id);

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);
