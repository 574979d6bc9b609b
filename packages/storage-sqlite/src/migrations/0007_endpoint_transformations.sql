-- An endpoint's transformation (issue 12 stores it through the ingest API; issue 13's engine runs
-- it). Its own table: most endpoints have none, and it is deleted with its endpoint.

CREATE TABLE endpoint_transformations (
  endpoint_id TEXT PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
  code TEXT,
  enabled INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
