-- Svix's message tags: free-form labels a message is listed by (GET .../msg?tag=). A JSON array,
-- as channels are; NULL when the message has none.
ALTER TABLE messages ADD COLUMN tags TEXT;
