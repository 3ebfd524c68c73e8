"""Notes (routes/notes.ts): written to the primary, read from the replica unless this client's
last write has not been replayed there yet (read_your_writes.py), or the replica is down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint

from ..context import replica
from ..db import WRITE_PENDING, Query
from ..deadline import request_deadline
from ..errors import HttpError, OutcomeUnknown
from ..read_your_writes import last_write, remember_write
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
    key = idempotency_key()
    try:
        note, lsn = r.db.write(request_deadline(), lambda query: _insert(query, r.config.replica_id, text, key))
    except OutcomeUnknown:
        # Maybe written: this client's reads go to the primary for a while, where it is if it is.
        remember_write(WRITE_PENDING)
        raise
    # This client's reads go to the standby only once it has replayed this far.
    remember_write(lsn)
    # A repeat gets the first answer: the same note, written by the replica that wrote it.
    return {"id": int(note["id"]), "replica": note["replica"]}, 201


def _insert(query: Query, replica_id: str, text: str, key: str | None) -> dict[str, Any]:
    """Writes the note, or with a key, writes it unless the key already wrote one: either way, the key's note."""
    if key is None:
        return query(
            "INSERT INTO notes (text, replica) VALUES (%s, %s) RETURNING id, replica, request_sha256",
            (text, replica_id),
        )[0]
    rows = query(
        "INSERT INTO notes (text, replica, idempotency_key, request_sha256) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, replica, request_sha256",
        (text, replica_id, key, request_sha256(text)),
    )
    # A statement of its own (read committed: a fresh snapshot), so it sees the first write even
    # if that committed while the INSERT waited on it.
    if not rows:
        rows = query("SELECT id, replica, request_sha256 FROM notes WHERE idempotency_key = %s", (key,))
    note = rows[0]
    if note["request_sha256"] != request_sha256(text):
        raise HttpError(422, "Idempotency-Key already used for a different request")
    return note


# <id>, not <note_id>: the route label is then /api/notes/:id, the TypeScript replica's.
@blueprint.get("/api/notes/<id>")
def read_one(id: str) -> dict[str, Any]:  # noqa: A002
    note_id = id
    r = replica()
    matches("params/id", note_id, r"[1-9][0-9]{0,14}")
    rows, served_by = r.db.read(
        request_deadline(), f"SELECT {COLUMNS} FROM notes WHERE id = %s", (int(note_id),), last_write()
    )
    if not rows:
        raise HttpError(404, f"no note {note_id}")
    return {"note": _note(rows[0]), "servedBy": served_by, "replica": r.config.replica_id}


@blueprint.get("/api/notes")
def read_recent() -> dict[str, Any]:
    r = replica()
    limit = int(query({"limit": r"[1-9]|[1-9][0-9]|100"}).get("limit", "20"))
    rows, served_by = r.db.read(
        request_deadline(),
        f"SELECT {COLUMNS} FROM notes ORDER BY id DESC LIMIT %s",
        (limit,),
        last_write(),
    )
    return {"notes": [_note(row) for row in rows], "servedBy": served_by, "replica": r.config.replica_id}
