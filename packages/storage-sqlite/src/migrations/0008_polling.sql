-- Polling endpoints (issue 18): endpoints nothing is pushed to, read by their consumers.

CREATE TABLE polling_endpoints (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  uid TEXT,
  filter_types TEXT,
  channels TEXT,
  description TEXT NOT NULL DEFAULT '',
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (app_id, uid)
);

-- Each named consumer's durable place in the log below.
CREATE TABLE polling_consumers (
  poller_id TEXT NOT NULL REFERENCES polling_endpoints(id) ON DELETE CASCADE,
  consumer_id TEXT NOT NULL,
  position_seq INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (poller_id, consumer_id)
);

-- The message log: one row per message in commit order. SQLite has one writer, so a sequence
-- taken inside the inserting transaction is commit order. AUTOINCREMENT, not the messages' rowid:
-- a rowid can be handed out again after the newest row is deleted, and a consumer already past it
-- would then never see the new message. Filled by a trigger, so every path that writes messages
-- (ingest, the inbound router, send-example) is logged without knowing about polling.
CREATE TABLE message_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  msg_id TEXT NOT NULL
);
CREATE INDEX message_log_by_app ON message_log (app_id, seq);

INSERT INTO message_log (app_id, msg_id) SELECT app_id, id FROM messages ORDER BY rowid;

CREATE TRIGGER message_logged AFTER INSERT ON messages BEGIN
  INSERT INTO message_log (app_id, msg_id) VALUES (new.app_id, new.id);
END;
