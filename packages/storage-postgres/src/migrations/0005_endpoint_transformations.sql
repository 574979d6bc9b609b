-- An endpoint's transformation, as the embedded store's migration 0007 (issue 12 stores it through
-- the ingest API; issue 13's engine runs it). Deleted with its endpoint.

CREATE TABLE endpoint_transformations (
  endpoint_id text COLLATE "C" PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
  code text,
  enabled boolean NOT NULL DEFAULT false,
  updated_at bigint NOT NULL
);
