-- Herald's PostgreSQL schema. Times are epoch milliseconds (bigint). Ids are KSUID text compared
-- byte by byte (COLLATE "C"), so that ordering by id is ordering by creation whatever the
-- database's collation.

CREATE TABLE settings (
  name text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE applications (
  id text COLLATE "C" PRIMARY KEY,
  uid text UNIQUE,
  name text NOT NULL,
  throttle_rate integer,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE event_types (
  name text COLLATE "C" PRIMARY KEY,
  description text NOT NULL,
  archived boolean NOT NULL DEFAULT false,
  deprecated boolean NOT NULL DEFAULT false,
  feature_flag text,
  schemas jsonb,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE endpoints (
  id text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  uid text,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  disabled boolean NOT NULL DEFAULT false,
  event_types jsonb,
  channels jsonb,
  headers jsonb NOT NULL DEFAULT '{}',
  throttle_rate integer,
  metadata jsonb NOT NULL DEFAULT '{}',
  version integer NOT NULL DEFAULT 1,
  -- [{ "key": "whsec_...", "expiresAt": null | ms }], current key first
  secrets jsonb NOT NULL,
  failing_since bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  UNIQUE (app_id, uid)
);
CREATE INDEX endpoints_by_app ON endpoints (app_id, id);

-- payload is text, not jsonb: it is signed and sent byte for byte as received. It becomes NULL
-- when retention purges it.
CREATE TABLE messages (
  id text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  event_type text NOT NULL,
  event_id text,
  channels jsonb,
  payload text,
  created_at bigint NOT NULL,
  UNIQUE (app_id, event_id)
);
CREATE INDEX messages_by_app ON messages (app_id, id);
CREATE INDEX messages_by_age ON messages (created_at) WHERE payload IS NOT NULL;

-- One row per (message, endpoint): the durable queue. status: 0 success, 1 pending, 2 fail,
-- 3 sending. A row is claimable while status is 1 or 3 and available_at has passed; claiming
-- pushes available_at to the lease's end. fence grows on every claim; writes must present it.
CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  msg_id text COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id text COLLATE "C" NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  app_id text COLLATE "C" NOT NULL,
  status smallint NOT NULL,
  trigger_type smallint NOT NULL DEFAULT 0,
  attempt_count integer NOT NULL DEFAULT 0,
  available_at bigint NOT NULL,
  fence bigint NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (available_at) WHERE status IN (1, 3);
-- Counting an endpoint's leases in flight, for the cross-worker concurrency cap.
CREATE INDEX deliveries_in_flight ON deliveries (endpoint_id) WHERE status = 3;
CREATE UNIQUE INDEX deliveries_by_msg ON deliveries (msg_id, endpoint_id);
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, msg_id);

-- Listing is always "one endpoint's (or one message's) attempts, newest first, after a cursor id",
-- so each list is one index range scan: (endpoint_id, id) and (msg_id, id). The message index
-- also serves as the key: attempt ids are unique by construction (KSUIDs).
CREATE TABLE attempts (
  id text COLLATE "C" NOT NULL,
  msg_id text COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id text COLLATE "C" NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  app_id text COLLATE "C" NOT NULL,
  url text NOT NULL,
  status smallint NOT NULL,
  response_status_code integer NOT NULL,
  response text NOT NULL,
  response_duration_ms integer NOT NULL,
  trigger_type smallint NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX attempts_by_endpoint ON attempts (endpoint_id, id);
CREATE UNIQUE INDEX attempts_by_msg ON attempts (msg_id, id);
-- Retention walks attempts by age; only rows whose body is not yet purged are indexed.
CREATE INDEX attempts_by_age ON attempts (created_at) WHERE response <> '';

CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  body text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);

-- Shared state for per-endpoint limits across every worker process: the token bucket of an
-- endpoint's throttle_rate, and the row claims lock to count an endpoint's leases exactly.
CREATE TABLE endpoint_limits (
  endpoint_id text COLLATE "C" PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
  tokens double precision NOT NULL,
  refilled_at bigint NOT NULL
);
