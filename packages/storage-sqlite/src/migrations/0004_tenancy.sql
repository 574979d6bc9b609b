-- Stored API tokens (organisation and application tokens). Only the token's SHA-256 is kept.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('organisation', 'application')),
  app_id TEXT,
  scopes TEXT NOT NULL,
  feature_flags TEXT NOT NULL,
  description TEXT NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);

-- One row per mutating API call. Append-only: the triggers refuse every change and deletion.
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_token_id TEXT,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  resource_ids TEXT NOT NULL,
  status INTEGER NOT NULL
) WITHOUT ROWID; -- ids are time-sortable: one B-tree, appended at its end, for a row per mutating call

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
