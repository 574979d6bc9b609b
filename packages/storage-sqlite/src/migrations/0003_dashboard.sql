-- The headers each attempt sent (JSON object), so that operators see exactly what a receiver got.
-- NULL for attempts recorded before this column existed, or when no request was made.
ALTER TABLE attempts ADD COLUMN request_headers TEXT;
