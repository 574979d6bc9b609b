-- The request inspector (Herald extension): capture bins addressed by a random token, and the
-- last requests each received. Captures go with their bin.
CREATE TABLE inspector_bins (
  id TEXT PRIMARY KEY,
  token TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX inspector_bins_by_expiry ON inspector_bins (expires_at);

CREATE TABLE inspector_captures (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  bin_id TEXT NOT NULL REFERENCES inspector_bins(id) ON DELETE CASCADE,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  -- [[name, value], ...] in arrival order
  headers TEXT NOT NULL,
  body BLOB NOT NULL,
  source_ip TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX inspector_captures_by_bin ON inspector_captures (bin_id, seq);

-- The endpoint verification challenge (Herald extension): JSON {status, checkedAt, error}, or
-- null for an endpoint that did not opt in.
ALTER TABLE endpoints ADD COLUMN verification TEXT;
