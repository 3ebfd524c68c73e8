-- A note written with an Idempotency-Key keeps the key and a hash of what was asked: a repeat of
-- the same request (nginx retries keyed POSTs on another replica) finds the note instead of
-- writing it again, and a different request under the same key is refused (422). The unique
-- index makes "once" hold across replicas, in the same transaction as the write.
ALTER TABLE notes
  ADD COLUMN idempotency_key text UNIQUE,
  ADD COLUMN request_sha256 text;
