"""Input checks with the TypeScript replica's outcomes: 400 for a bad value, 415 for a body that
is not JSON, unknown fields rejected rather than ignored. (The TypeScript replica states these
as JSON schemas; five small checks do not justify a schema library here.)"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import request

from .errors import HttpError


def json_object(allowed: frozenset[str]) -> dict[str, Any]:
    """The request body: a JSON object with no fields beyond `allowed`."""
    data = request.get_data(cache=True)
    if request.mimetype != "application/json":
        if not data and not request.content_type:
            raise HttpError(400, "body must be object")
        raise HttpError(415, f"Unsupported Media Type: {request.content_type}")
    if not data:
        raise HttpError(400, "Body cannot be empty when content-type is set to 'application/json'")
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise HttpError(400, f"body is not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise HttpError(400, "body must be object")
    extra = sorted(set(value) - allowed)
    if extra:
        raise HttpError(400, f"body must NOT have additional properties ({', '.join(extra)})")
    return value


def text_field(body: dict[str, Any], name: str, max_length: int) -> str:
    """A required string of 1..max_length characters, not only white space."""
    if name not in body:
        raise HttpError(400, f"body must have required property '{name}'")
    value = body[name]
    if not isinstance(value, str):
        raise HttpError(400, f"body/{name} must be string")
    if not 1 <= len(value) <= max_length or not re.search(r"\S", value):
        raise HttpError(400, f"body/{name} must be 1 to {max_length} characters, not only white space")
    return value


def query(patterns: dict[str, str], required: frozenset[str] = frozenset()) -> dict[str, str]:
    """Query parameters, each matching its pattern; unknown or repeated ones are an error."""
    extra = sorted(set(request.args) - set(patterns))
    if extra:
        raise HttpError(400, f"querystring must NOT have additional properties ({', '.join(extra)})")
    values: dict[str, str] = {}
    for name, pattern in patterns.items():
        given = request.args.getlist(name)
        if not given:
            if name in required:
                raise HttpError(400, f"querystring must have required property '{name}'")
            continue
        if len(given) > 1 or not re.fullmatch(pattern, given[0]):
            raise HttpError(400, f'querystring/{name} must match pattern "{pattern}"')
        values[name] = given[0]
    return values


def matches(what: str, value: str, pattern: str) -> str:
    if not re.fullmatch(pattern, value):
        raise HttpError(400, f'{what} must match pattern "{pattern}"')
    return value


# The Idempotency-Key header of the routes that may be retried (the TypeScript replica's
# src/idempotency.ts): malformed or too long, a 400 on every route alike.
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_-]{8,64}$"


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    return None if key is None else matches("headers/idempotency-key", key, IDEMPOTENCY_KEY)


def request_sha256(content: str) -> str:
    """What a key is bound to: the request's content, so that its repeat can be told from another."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
