-- A note can carry an image uploaded before (POST /api/media): its key, which must name a row of
-- media (so an object in the store), or nothing.
ALTER TABLE notes ADD COLUMN image text REFERENCES media (key);
