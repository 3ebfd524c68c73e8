"""Notes (routes/notes.ts): written to the primary, read from the replica unless this client's
last write has not been replayed there yet (read_your_writes.py), or the replica is down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from flask import Blueprint

from ..context import replica
from ..db import WRITE_PENDING, Query
from ..deadline import request_deadline
from ..errors import HttpError, OutcomeUnknown
from ..read_your_writes import last_write, remember_write
from ..validation import idempotency_key, json_object, matches, query, request_sha256, text_field

blueprint = Blueprint("notes", __name__)
NOTE_MAX_LENGTH = 1000
COLUMNS = "id, text, replica, created_at, image"
# A media key (POST /api/media), as the TypeScript replica's schema states it (media/image.ts).
MEDIA_KEY = r"^[0-9a-f]{64}\.(png|jpg|gif|webp)$"


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
        "image": None if row["image"] is None else {"key": row["image"], "url": f"/media/{row['image']}"},
    }


@blueprint.post("/api/notes")
def create() -> tuple[dict[str, Any], int]:
    r = replica()
    body = json_object(frozenset({"text", "image"}))
    # The TypeScript replica's order: each field's type and pattern (its schema), then the text's rules.
    if "text" in body and not isinstance(body["text"], str):
        raise HttpError(400, "body/text must be string")
    image = body.get("image")
    if "image" in body:
        if not isinstance(image, str):
            raise HttpError(400, "body/image must be string")
        matches("body/image", image, MEDIA_KEY)
    text = text_field(body, "text", NOTE_MAX_LENGTH)
    key = idempotency_key()
    try:
        note, lsn = r.db.write(request_deadline(), lambda query: _insert(query, r.config.replica_id, text, image, key))
    except OutcomeUnknown:
        # Maybe written: this client's reads go to the primary for a while, where it is if it is.
        remember_write(WRITE_PENDING)
        raise
    # This client's reads go to the standby only once it has replayed this far.
    remember_write(lsn)
    # A repeat gets the first answer: the same note, written by the replica that wrote it.
    return {"id": int(note["id"]), "replica": note["replica"]}, 201


def _request(text: str, image: str | None) -> str:
    """What an Idempotency-Key is bound to: the text, and the image if the note carries one."""
    return request_sha256(text if image is None else f"{text}\u0000{image}")


def _insert(query: Query, replica_id: str, text: str, image: str | None, key: str | None) -> dict[str, Any]:
    """Writes the note, or with a key, writes it unless the key already wrote one: either way, the key's note.
    An image no upload made is a 422."""
    try:
        return _insert_note(query, replica_id, text, image, key)
    except psycopg.errors.ForeignKeyViolation:
        raise HttpError(422, f"no uploaded image {image}") from None


def _insert_note(query: Query, replica_id: str, text: str, image: str | None, key: str | None) -> dict[str, Any]:
    if key is None:
        return query(
            "INSERT INTO notes (text, replica, image) VALUES (%s, %s, %s) RETURNING id, replica, request_sha256",
            (text, replica_id, image),
        )[0]
    rows = query(
        "INSERT INTO notes (text, replica, image, idempotency_key, request_sha256) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, replica, request_sha256",
        (text, replica_id, image, key, _request(text, image)),
    )
    # A statement of its own (read committed: a fresh snapshot), so it sees the first write even
    # if that committed while the INSERT waited on it.
    if not rows:
        rows = query("SELECT id, replica, request_sha256 FROM notes WHERE idempotency_key = %s", (key,))
    note = rows[0]
    if note["request_sha256"] != _request(text, image):
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
