-- The W3C traceparent of the span that accepted a message (issue 16, only when tracing is on), so
-- that its delivery attempts, whichever thread or process makes them, join the ingest's trace.
-- Nullable and never read by a query: without tracing it stays NULL and costs nothing.

ALTER TABLE messages ADD COLUMN trace_parent TEXT;
