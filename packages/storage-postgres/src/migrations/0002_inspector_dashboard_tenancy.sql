-- What the embedded store gained in its migrations 0002 (inspector, endpoint verification), 0003
-- (attempt request headers) and 0004 (tokens, audit log), in one step.

-- The request inspector: capture bins addressed by a random token, and the last requests each
-- received. Captures go with their bin.
CREATE TABLE inspector_bins (
  id text COLLATE "C" PRIMARY KEY,
  token text NOT NULL UNIQUE,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX inspector_bins_by_expiry ON inspector_bins (expires_at);

CREATE TABLE inspector_captures (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bin_id text COLLATE "C" NOT NULL REFERENCES inspector_bins(id) ON DELETE CASCADE,
  method text NOT NULL,
  path text NOT NULL,
  -- [[name, value], ...] in arrival order
  headers jsonb NOT NULL,
  body bytea NOT NULL,
  source_ip text NOT NULL,
  received_at bigint NOT NULL
);
CREATE INDEX inspector_captures_by_bin ON inspector_captures (bin_id, seq);

-- The endpoint verification challenge: {status, checkedAt, error}, or NULL for an endpoint that
-- did not opt in.
ALTER TABLE endpoints ADD COLUMN verification jsonb;

-- The headers each attempt sent. json, not jsonb, so they read back in the order they were sent.
-- NULL for attempts recorded before this column existed, or when no request was made.
ALTER TABLE attempts ADD COLUMN request_headers json;

-- Stored API tokens (organisation and application tokens). Only the token's SHA-256 is kept.
CREATE TABLE api_tokens (
  id text COLLATE "C" PRIMARY KEY,
  token_sha256 text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('organisation', 'application')),
  app_id text,
  scopes jsonb NOT NULL,
  feature_flags jsonb NOT NULL,
  description text NOT NULL,
  expires_at bigint,
  revoked_at bigint,
  created_at bigint NOT NULL,
  last_used_at bigint
);

-- One row per mutating API call. Append-only: the triggers refuse every change, deletion and
-- truncation, whichever role or process asks.
CREATE TABLE audit_log (
  id text COLLATE "C" PRIMARY KEY,
  at bigint NOT NULL,
  actor_kind text NOT NULL,
  actor_token_id text,
  method text NOT NULL,
  route text NOT NULL,
  resource_ids jsonb NOT NULL,
  status integer NOT NULL
);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
