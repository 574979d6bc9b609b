-- Polling endpoints (issue 18), as the embedded store's migration 0008.

CREATE TABLE polling_endpoints (
  id text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  uid text,
  filter_types jsonb,
  channels jsonb,
  description text NOT NULL DEFAULT '',
  token_sha256 text NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  UNIQUE (app_id, uid)
);

CREATE TABLE polling_consumers (
  poller_id text COLLATE "C" NOT NULL REFERENCES polling_endpoints(id) ON DELETE CASCADE,
  consumer_id text COLLATE "C" NOT NULL,
  position_tx xid8 NOT NULL,
  position_seq bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (poller_id, consumer_id)
);

-- A message's place in the log: (the transaction that wrote it, a sequence number). The sequence
-- alone is not commit order: a transaction can take number 10, and commit after another took 11
-- and committed; a reader already past 11 would skip 10 for good. Readers therefore order by
-- (poll_tx, poll_seq) and read only rows whose transaction is older than every transaction of this
-- database still running: no row can appear later below that horizon (queries/pollers.ts). Both are defaults, so
-- every statement that writes messages fills them without naming them. Rejected: taking the
-- numbers under an exclusive per-application lock at commit, which would serialize every
-- application's ingest to add polling to it.
ALTER TABLE messages ADD COLUMN poll_tx xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE messages ADD COLUMN poll_seq bigserial NOT NULL;
CREATE INDEX messages_by_log_position ON messages (app_id, poll_tx, poll_seq);
