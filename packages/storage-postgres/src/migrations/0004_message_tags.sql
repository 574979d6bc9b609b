-- Svix's message tags: free-form labels a message is listed by (GET .../msg?tag=). A jsonb array,
-- as channels are; NULL when the message has none. Listing filters within one application, whose
-- messages the app_id index already narrows to; no index of its own until a workload needs one.
ALTER TABLE messages ADD COLUMN tags jsonb;
