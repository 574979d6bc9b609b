-- The W3C traceparent of the span that accepted a message (issue 16, as the embedded store's
-- migration 0013), so that a worker process's delivery attempts join the ingest's trace.
-- Nullable: adding it rewrites no rows.

ALTER TABLE messages ADD COLUMN trace_parent text;
