"""Notes (routes/notes.ts): written to the primary, read from the replica unless this session's
last write has not been replayed there yet, or the replica is down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import redis
from flask import Blueprint, session

from ..context import replica
from ..errors import DependencyUnavailable, HttpError
from ..metrics import SESSION_STORE_ERRORS
from ..validation import idempotency_key, json_object, matches, query, request_sha256, text_field

blueprint = Blueprint("notes", __name__)
NOTE_MAX_LENGTH = 1000
COLUMNS = "id, text, replica, created_at"


def _iso(moment: datetime) -> str:
    """JavaScript's toISOString(), as the TypeScript replica answers: UTC, milliseconds, Z."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def _note(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "text": row["text"],
        "writtenBy": row["replica"],
        "createdAt": _iso(row["created_at"]),
    }


@blueprint.post("/api/notes")
def create() -> tuple[dict[str, Any], int]:
    r = replica()
    text = text_field(json_object(frozenset({"text"})), "text", NOTE_MAX_LENGTH)
    # A session that came with the request was just read from Redis; a new one is saved after
    # the write. Check Redis first, so an outage answers 503 with nothing written rather than a
    # committed note whose read-your-writes marker cannot be kept.
    if "createdBy" not in session:
        try:
            r.redis.ping()
        except redis.RedisError as err:
            SESSION_STORE_ERRORS.labels("ping").inc()
            raise DependencyUnavailable("session store") from err
    key = idempotency_key()
    rows, lsn = _write(r, text) if key is None else _write_once(r, key, text)
    note = rows[0]
    if key is not None and note["request_sha256"] != request_sha256(text):
        raise HttpError(422, "Idempotency-Key already used for a different request")
    # Reads in this session go to the replica only once it has replayed this far.
    session.setdefault("createdBy", r.config.replica_id)
    session["lastWriteLsn"] = lsn
    # A repeat gets the first answer: the same note, written by the replica that wrote it.
    return {"id": int(note["id"]), "replica": note["replica"]}, 201


def _write(r: Any, text: str) -> tuple[list[dict[str, Any]], str]:
    return r.db.write(
        "INSERT INTO notes (text, replica) VALUES (%s, %s) RETURNING id, replica, request_sha256",
        (text, r.config.replica_id),
    )


def _write_once(r: Any, key: str, text: str) -> tuple[list[dict[str, Any]], str]:
    """Writes the note unless its key already wrote one; either way, the note of that key."""
    rows, lsn = r.db.write(
        "INSERT INTO notes (text, replica, idempotency_key, request_sha256) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, replica, request_sha256",
        (text, r.config.replica_id, key, request_sha256(text)),
    )
    if rows:
        return rows, lsn
    # A statement of its own: it sees the first write even if that committed while this one
    # waited on it (the conflict check waits for an uncommitted insert of the same key).
    return r.db.write("SELECT id, replica, request_sha256 FROM notes WHERE idempotency_key = %s", (key,))


# <id>, not <note_id>: the route label is then /api/notes/:id, the TypeScript replica's.
@blueprint.get("/api/notes/<id>")
def read_one(id: str) -> dict[str, Any]:  # noqa: A002
    note_id = id
    r = replica()
    matches("params/id", note_id, r"[1-9][0-9]{0,14}")
    rows, served_by = r.db.read(
        f"SELECT {COLUMNS} FROM notes WHERE id = %s", (int(note_id),), session.get("lastWriteLsn")
    )
    if not rows:
        raise HttpError(404, f"no note {note_id}")
    return {"note": _note(rows[0]), "servedBy": served_by, "replica": r.config.replica_id}


@blueprint.get("/api/notes")
def read_recent() -> dict[str, Any]:
    r = replica()
    limit = int(query({"limit": r"[1-9]|[1-9][0-9]|100"}).get("limit", "20"))
    rows, served_by = r.db.read(
        f"SELECT {COLUMNS} FROM notes ORDER BY id DESC LIMIT %s", (limit,), session.get("lastWriteLsn")
    )
    return {"notes": [_note(row) for row in rows], "servedBy": served_by, "replica": r.config.replica_id}
