"""POST /api/media (services/app/src/routes/media.ts): an image, stored in the object store under
its content's hash and recorded in Postgres; nginx serves it at /media/<key>, not this replica."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from flask import Blueprint, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..context import replica
from ..db import WRITE_PENDING, Query
from ..deadline import request_deadline
from ..errors import HttpError
from ..media.image import CONTENT_TYPES, EXTENSIONS, sniff_image
from ..validation import idempotency_key

blueprint = Blueprint("media", __name__)
COLUMNS = "key, content_type, bytes, width, height, replica"
# A file name is not used (the key is the content's hash), but one that could be a path or
# carries control characters is refused rather than passed on anywhere.
BAD_FILE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\]|^\.\.?$")
# Room for the multipart framing around the file, as nginx allows (MEDIA_BODY_MAX).
FRAMING = 16_384
ONE_PART = "the body must have one part, named file"


def _read_file(max_bytes: int) -> bytes:
    """The one part, `file`, read whole within max_bytes; any other shape is a 4xx."""
    if request.mimetype != "multipart/form-data":
        raise HttpError(415, f"Unsupported Media Type: {request.headers.get('Content-Type', 'none')}")
    if (request.content_length or 0) > max_bytes + FRAMING:
        raise HttpError(413, f"file larger than {max_bytes} bytes")
    request.max_content_length = max_bytes + FRAMING
    request.max_form_parts = 2
    boundary = request.mimetype_params.get("boundary", "").encode("latin-1", "replace")
    try:
        # Werkzeug's parser takes a body cut short for a shorter form: its closing delimiter says
        # whether it is whole (read once here, then parsed from the same bytes).
        if not boundary or b"--" + boundary + b"--" not in request.get_data(cache=True):
            raise ValueError("no closing boundary")
        files, form = request.files, request.form
    except RequestEntityTooLarge as err:
        raise HttpError(413, f"file larger than {max_bytes} bytes") from err
    except ValueError as err:  # Werkzeug's parser: a boundary never closed, a body cut short
        raise HttpError(400, "multipart body is malformed or incomplete") from err
    parts = files.getlist("file")
    if len(form) > 0 or len(files) != 1 or len(parts) != 1:
        raise HttpError(400, ONE_PART)
    upload = parts[0]
    name = upload.filename or ""
    if len(name) > 255 or BAD_FILE_NAME.search(name):
        raise HttpError(400, "file name must not contain a path or control characters")
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise HttpError(413, f"file larger than {max_bytes} bytes")
    if not data:
        raise HttpError(400, ONE_PART)
    return data


@blueprint.post("/api/media")
def upload() -> tuple[dict[str, Any], int]:
    r = replica()
    config = r.config
    key = idempotency_key()
    data = _read_file(config.media_max_bytes)
    image = sniff_image(data)
    if image is None:
        raise HttpError(415, "file is not a PNG, JPEG, GIF or WebP image")
    if image.width < 1 or image.height < 1 or image.width * image.height > config.media_max_pixels:
        raise HttpError(
            422,
            f"image must be 1 to {config.media_max_pixels} pixels (it declares {image.width}x{image.height})",
        )
    media = {
        "key": f"{hashlib.sha256(data).hexdigest()}.{EXTENSIONS[image.type]}",
        "content_type": CONTENT_TYPES[image.type],
        "bytes": len(data),
        "width": image.width,
        "height": image.height,
        "replica": config.replica_id,
    }
    deadline = request_deadline()
    # A key already used for other bytes: refused before anything is written.
    if key is not None:
        rows, _ = r.db.read(deadline, f"SELECT {COLUMNS} FROM media WHERE idempotency_key = %s", (key,), WRITE_PENDING)
        if rows and rows[0]["key"] != media["key"]:
            raise HttpError(422, "Idempotency-Key already used for a different request")
    # The object first, then its row: a row never points at nothing. A failure between the two
    # leaves an object no row names, harmless (contract/README.md, Media uploads).
    r.media.put(media["key"], data, media["content_type"])
    row, _ = r.db.write(deadline, lambda query: _insert(query, media, key))
    return {
        "key": row["key"],
        "url": f"/media/{row['key']}",
        "contentType": row["content_type"],
        "bytes": row["bytes"],
        "width": row["width"],
        "height": row["height"],
        "replica": row["replica"],
    }, 201


def _insert(query: Query, media: dict[str, Any], key: str | None) -> dict[str, Any]:
    """Records the stored object; the same bytes again find the first row (repositories/media.ts)."""
    rows = query(
        "INSERT INTO media (key, content_type, bytes, width, height, replica, idempotency_key)"
        f" VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING {COLUMNS}",
        (media["key"], media["content_type"], media["bytes"], media["width"], media["height"], media["replica"], key),
    )
    if rows:
        return rows[0]
    # A statement of its own (read committed: a fresh snapshot) sees a write that raced this one.
    if key is not None:
        keyed = query(f"SELECT {COLUMNS} FROM media WHERE idempotency_key = %s", (key,))
        if keyed and keyed[0]["key"] != media["key"]:
            raise HttpError(422, "Idempotency-Key already used for a different request")
        if keyed:
            return keyed[0]
    return query(f"SELECT {COLUMNS} FROM media WHERE key = %s", (media["key"],))[0]
