-- Notes: written on the primary, read from the replica (read-your-writes by WAL position).
CREATE TABLE notes (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  text       text        NOT NULL CHECK (char_length(text) BETWEEN 1 AND 1000),
  replica    text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
