-- Issue 14: state that API processes share through the database instead of keeping per process.

-- Token buckets of the per-token rate limits, shared by every API process. Credit is in
-- token-milliseconds as in the API's in-process buckets; `at` is the database's clock in ms.
-- `granted` is what the last lease took, returned by the same statement that took it.
CREATE TABLE rate_limit_buckets (
  key text COLLATE "C" PRIMARY KEY,
  credit bigint NOT NULL,
  at bigint NOT NULL,
  granted bigint NOT NULL
);

-- The relay routes of API processes serving `herald listen` sessions: workers in other processes
-- deliver to exactly these origins (and the relay path) although they are private addresses.
CREATE TABLE relay_origins (
  origin text COLLATE "C" PRIMARY KEY,
  seen_at bigint NOT NULL
);
