-- Media: each uploaded image's object in the store (services/objectstore) has a row here, written
-- after the object, so a row always has its object (an object without a row is harmless: see
-- contract/README.md, Media uploads). The key is content-addressed: the SHA-256 of the bytes and
-- the extension of the type they were found to be, so the same image uploaded twice through any
-- replica is one object and one row.
CREATE TABLE media (
  key             text        PRIMARY KEY CHECK (key ~ '^[0-9a-f]{64}\.(png|jpg|gif|webp)$'),
  content_type    text        NOT NULL,
  bytes           integer     NOT NULL CHECK (bytes > 0),
  width           integer     NOT NULL CHECK (width > 0),
  height          integer     NOT NULL CHECK (height > 0),
  replica         text        NOT NULL,
  -- As notes': a keyed upload repeated finds its row; another file under the same key is a 422.
  idempotency_key text        UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
